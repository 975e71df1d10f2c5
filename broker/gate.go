package broker

import (
	"net"
	"sync"
)

// connGate admits connections to mochi until their listener closes, then
// closes the admitted ones and waits for their sessions to end. mochi's
// Server.Close waits on a WaitGroup that each session adds itself to when it
// starts; a session starting during that wait is a data race (and can be
// missed). With the gate, every listener's Close returns only once none of
// its sessions can start any more.
type connGate struct {
	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// run calls session for conn unless the gate is closed (then conn is
// closed instead).
func (g *connGate) run(conn net.Conn, session func()) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		conn.Close()
		return
	}
	if g.conns == nil {
		g.conns = make(map[net.Conn]struct{})
	}
	g.conns[conn] = struct{}{}
	g.wg.Add(1)
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.conns, conn)
		g.mu.Unlock()
		g.wg.Done()
	}()
	session()
}

// close refuses new connections, closes the admitted ones and waits for
// their sessions to return.
func (g *connGate) close() {
	g.mu.Lock()
	g.closed = true
	conns := make([]net.Conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	g.wg.Wait()
}
