package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"
	mqtt3 "github.com/eclipse/paho.mqtt.golang"
	chat "github.com/twilio/twilio-go/rest/chat/v2"

	"github.com/parleychat/parley/token"
)

// raiseNoFile makes sure the process may hold need file descriptors,
// raising the soft limit towards the hard one; it skips the test when the
// hard limit is too low.
func raiseNoFile(t *testing.T, need uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= need {
		return
	}
	if lim.Max < need {
		t.Skipf("file descriptor hard limit %d is below the %d this test needs", lim.Max, need)
	}
	old := lim.Cur
	lim.Cur = need
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("raise RLIMIT_NOFILE to %d: %v", need, err)
	}
	t.Cleanup(func() {
		lim.Cur = old
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	})
}

// waitClosed reads c until the server closes it (or until max) and returns
// when that happened; ok is false when it was still open at max.
func waitClosed(c net.Conn, max time.Duration) (at time.Time, ok bool) {
	_ = c.SetReadDeadline(time.Now().Add(max))
	buf := make([]byte, 512)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return time.Now(), false
		}
		return time.Now(), true
	}
}

// TestMQTTAbuseIdleSockets: 400 sockets that never complete a CONNECT (300
// send nothing, 100 send the first bytes of one and stall) are all closed
// within the connect timeout, while legitimate clients keep connecting in
// well under a second and the server's goroutines return to their level.
func TestMQTTAbuseIdleSockets(t *testing.T) {
	const (
		idle    = 400
		timeout = time.Second
	)
	raiseNoFile(t, 4*idle+512) // both ends of each socket live in this process
	f := mqttSetup(t, func(c *serveConfig) { c.MQTTConnectTimeout = timeout })
	baseline := runtime.NumGoroutine()

	type sock struct {
		c      net.Conn
		opened time.Time
	}
	socks := make([]sock, 0, idle)
	for i := range idle {
		c, err := net.DialTimeout("tcp", f.ts.MQTTAddr, 2*time.Second)
		if err != nil {
			t.Fatalf("socket %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
		if i%4 == 0 {
			// A CONNECT header announcing 40 bytes, and 3 of them.
			if _, err := c.Write([]byte{0x10, 40, 0x00, 0x04, 'M'}); err != nil {
				t.Fatal(err)
			}
		}
		socks = append(socks, sock{c: c, opened: time.Now()})
	}
	type closed struct {
		after time.Duration
		ok    bool
	}
	results := make([]closed, idle)
	var wg sync.WaitGroup
	for i, s := range socks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at, ok := waitClosed(s.c, timeout+3*time.Second)
			results[i] = closed{after: at.Sub(s.opened), ok: ok}
		}()
	}

	// Legitimate clients connect while all 400 are open.
	var lat []time.Duration
	for i := range 5 {
		t0 := time.Now()
		m, err := f.dial5(t, fmt.Sprint("legit-", i), "", f.token(t, "alice", time.Hour))
		if err != nil {
			t.Fatalf("legitimate connect %d: %v", i, err)
		}
		lat = append(lat, time.Since(t0))
		if i > 0 {
			// Only one stays, so that the goroutine count below
			// compares like with like.
			_ = m.c.Disconnect(&paho.Disconnect{})
		} else {
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				r, err := m.c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte("still here")})
				if err != nil || r.ReasonCode != 0 {
					t.Errorf("legitimate client after the attack: %v %+v", err, r)
				}
			}()
		}
	}
	wg.Wait()
	worst := slices.Max(lat)
	t.Logf("legitimate connect latency with %d idle sockets: %v (worst %v)", idle, lat, worst)
	if worst > time.Second {
		t.Errorf("a legitimate connect took %v with %d idle sockets open", worst, idle)
	}
	var slowest time.Duration
	for i, r := range results {
		switch {
		case !r.ok:
			t.Errorf("idle socket %d still open %v after it was opened", i, r.after)
		case r.after < timeout-100*time.Millisecond:
			t.Errorf("idle socket %d closed after %v, before the %v timeout", i, r.after, timeout)
		}
		slowest = max(slowest, r.after)
	}
	t.Logf("all %d idle sockets closed; the last after %v (timeout %v)", idle, slowest, timeout)
	if slowest > timeout+time.Second {
		t.Errorf("the last idle socket closed after %v, the timeout is %v", slowest, timeout)
	}
	// Nothing is left behind for them: the goroutines are those of before
	// plus the one legitimate client's (both ends in this process).
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > baseline+15 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline+15 {
		t.Errorf("%d goroutines after the idle sockets closed, %d before", n, baseline)
	}
}

// heapSampler records the largest HeapInuse seen while it runs.
type heapSampler struct {
	stop chan struct{}
	done chan uint64
}

func sampleHeap() *heapSampler {
	s := &heapSampler{stop: make(chan struct{}), done: make(chan uint64, 1)}
	go func() {
		var peak uint64
		var ms runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-s.stop:
				s.done <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *heapSampler) peak() uint64 {
	close(s.stop)
	return <-s.done
}

func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// TestMQTTAbuseHugePackets: 50 CONNECTs announcing 256 MB (each followed by
// 64 KiB of junk), and an authenticated client's PUBLISH announcing 256 MB,
// are closed at once and server memory stays flat: the heap in use, sampled
// every 2 ms during the attack, never grows by more than a few MiB.
func TestMQTTAbuseHugePackets(t *testing.T) {
	const n = 50
	f := mqttSetup(t)
	// Warm up what a first connection allocates once.
	if _, err := f.dial5(t, "warm", "", f.token(t, "alice", time.Hour)); err != nil {
		t.Fatal(err)
	}
	before := heapInuse()
	sampler := sampleHeap()
	junk := make([]byte, 64<<10)
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", f.ts.MQTTAddr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			start := time.Now()
			if _, err := c.Write([]byte{0x10, 0xFF, 0xFF, 0xFF, 0x7F}); err != nil {
				errs <- err
				return
			}
			_, _ = c.Write(junk) // the server may already have closed
			at, ok := waitClosed(c, 3*time.Second)
			switch {
			case !ok:
				errs <- fmt.Errorf("socket %d announcing 256 MB still open after 3 s", i)
			case at.Sub(start) > time.Second:
				errs <- fmt.Errorf("socket %d announcing 256 MB closed after %v", i, at.Sub(start))
			}
		}()
	}
	// An authenticated client announcing a 256 MB PUBLISH.
	c := mqttRawConnect5(t, f.ts.MQTTAddr, "huge-publisher", f.token(t, "alice", time.Hour))
	start := time.Now()
	if _, err := c.Write([]byte{0x32, 0xFF, 0xFF, 0xFF, 0x7F}); err != nil {
		t.Fatal(err)
	}
	_, _ = c.Write(junk)
	if at, ok := waitClosed(c, 3*time.Second); !ok || at.Sub(start) > time.Second {
		t.Errorf("authenticated client announcing a 256 MB PUBLISH: closed=%v after %v", ok, at.Sub(start))
	}
	c.Close()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	peak := sampler.peak()
	after := heapInuse()
	const MiB = 1 << 20
	t.Logf("heap in use: before %.1f MiB, peak %.1f MiB, after %.1f MiB", float64(before)/MiB, float64(peak)/MiB, float64(after)/MiB)
	if peak > before+16*MiB {
		t.Errorf("heap in use peaked at %.1f MiB during the attack, %.1f MiB before", float64(peak)/MiB, float64(before)/MiB)
	}
	if after > before+4*MiB {
		t.Errorf("heap in use %.1f MiB after the attack, %.1f MiB before", float64(after)/MiB, float64(before)/MiB)
	}
	// The publisher left no session behind and the server still serves.
	time.Sleep(50 * time.Millisecond)
	if _, ok := f.ts.srv.broker.Server.Clients.Get("huge-publisher"); ok {
		t.Error("the client that announced 256 MB is still registered")
	}
	if _, err := f.dial5(t, "after", "", f.token(t, "alice", time.Hour)); err != nil {
		t.Fatalf("server no longer accepts clients: %v", err)
	}
}

// dialSession connects with paho.golang asking to keep the session
// (clean start false, session expiry 300 s); the error is the refusal.
func (f *mqttFixture) dialSession(t *testing.T, clientID, tok string, cleanStart bool) (*mqttV5, error) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", f.ts.MQTTAddr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m := &mqttV5{msgs: make(chan *paho.Publish, 100), disc: make(chan *paho.Disconnect, 1)}
	m.c = paho.NewClient(paho.ClientConfig{Conn: conn, PacketTimeout: 5 * time.Second,
		OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			m.msgs <- pr.Packet
			return true, nil
		}},
		OnServerDisconnect: func(d *paho.Disconnect) { m.disc <- d },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	expiry := uint32(300)
	m.connack, err = m.c.Connect(ctx, &paho.Connect{ClientID: clientID, KeepAlive: 30, CleanStart: cleanStart,
		Password: []byte(tok), PasswordFlag: true,
		Properties: &paho.ConnectProperties{RequestProblemInfo: true, SessionExpiryInterval: &expiry}})
	if err != nil {
		conn.Close()
		return m, err
	}
	return m, nil
}

// TestMQTTAbuseClientIDTakeover: while alice holds client ID "phone-1"
// (live, then as a kept session), another identity of her service, the
// same identity in another service, and an MQTT 3.1.1 client are all
// refused; alice keeps receiving and publishing, and resumes her session
// with its subscription.
func TestMQTTAbuseClientIDTakeover(t *testing.T) {
	f := mqttSetup(t)
	svcB, err := f.ts.Twilio.ChatV2.CreateService(new(chat.CreateServiceParams).SetFriendlyName("B"))
	if err != nil {
		t.Fatal(err)
	}
	aliceInB, err := token.Mint(token.Params{AccountSID: testAccountSID, KeySID: f.keySID, Secret: f.keySecret,
		Identity: "alice", Chat: token.ChatGrant{ServiceSID: *svcB.Sid}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	alice, err := f.dialSession(t, "phone-1", f.token(t, "alice", time.Hour), true)
	if err != nil {
		t.Fatal(err)
	}
	if rc := alice.subscribe(t, f.topic("messages")); rc[0] != 0 {
		t.Fatalf("SUBACK %v", rc)
	}
	attempts := func(when string) {
		t.Helper()
		for _, c := range []struct{ who, tok string }{{"bob", f.token(t, "bob", time.Hour)}, {"alice of service B", aliceInB}} {
			for _, clean := range []bool{true, false} {
				m, err := f.dialSession(t, "phone-1", c.tok, clean)
				if err == nil {
					t.Errorf("%s: %s took phone-1 over (clean start %v)", when, c.who, clean)
					_ = m.c.Disconnect(&paho.Disconnect{})
					continue
				}
				if m.connack == nil || m.connack.ReasonCode != 0x85 {
					t.Errorf("%s: %s: want CONNACK 0x85, got %+v (%v)", when, c.who, m.connack, err)
				}
			}
		}
		opts := mqtt3.NewClientOptions().AddBroker("tcp://" + f.ts.MQTTAddr).SetClientID("phone-1").SetUsername("bob").
			SetPassword(f.token(t, "bob", time.Hour)).SetProtocolVersion(4).SetAutoReconnect(false).SetCleanSession(false).
			SetConnectTimeout(5 * time.Second)
		cl := mqtt3.NewClient(opts)
		tk := cl.Connect()
		if !tk.WaitTimeout(6 * time.Second) {
			t.Fatalf("%s: v3 connect timed out", when)
		}
		if tk.Error() == nil {
			cl.Disconnect(100)
			t.Errorf("%s: bob took phone-1 over with MQTT 3.1.1", when)
		} else if ct, ok := tk.(*mqtt3.ConnectToken); !ok || ct.ReturnCode() != 0x02 {
			t.Errorf("%s: v3 takeover: %v, want return code 2 (identifier rejected)", when, tk.Error())
		}
	}
	attempts("live session")

	// The owner's connection is untouched: it receives and publishes.
	select {
	case d := <-alice.disc:
		t.Fatalf("alice was disconnected (%#x) by the takeover attempts", d.ReasonCode)
	default:
	}
	if _, err := f.ts.Twilio.ChatV2.CreateMessage(f.IS, f.CH, new(chat.CreateMessageParams).SetBody("one")); err != nil {
		t.Fatal(err)
	}
	if ev := mqttEvent(t, alice.next(t, f.topic("messages"), 3*time.Second).Payload); ev.Message == nil || ev.Message.Body != "one" {
		t.Fatalf("alice's delivery %+v", ev)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if r, err := alice.c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte("two")}); err != nil || r.ReasonCode != 0 {
		t.Fatalf("alice's publish: %v %+v", err, r)
	}
	alice.next(t, f.topic("messages"), 3*time.Second)

	// Alice goes away; her kept session is still hers.
	if err := alice.c.Disconnect(&paho.Disconnect{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	attempts("kept session")

	// She resumes it: the session and its subscription are there.
	alice, err = f.dialSession(t, "phone-1", f.token(t, "alice", time.Hour), false)
	if err != nil {
		t.Fatalf("alice resuming: %v", err)
	}
	defer alice.c.Disconnect(&paho.Disconnect{})
	if !alice.connack.SessionPresent {
		t.Error("alice's session is gone after the takeover attempts")
	}
	if _, err := f.ts.Twilio.ChatV2.CreateMessage(f.IS, f.CH, new(chat.CreateMessageParams).SetBody("three")); err != nil {
		t.Fatal(err)
	}
	if ev := mqttEvent(t, alice.next(t, f.topic("messages"), 3*time.Second).Payload); ev.Message == nil || ev.Message.Body != "three" {
		t.Fatalf("alice's delivery after resuming %+v", ev)
	}
}

// writeSelfSigned writes a self-signed ECDSA certificate for 127.0.0.1 and
// its key as PEM files in dir, and returns their paths and the certificate.
func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "parley test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

// TestMQTTTLS: Parley started with --mqtt-tls-listen and a certificate
// serves MQTT over TLS: paho.golang clients that trust the certificate
// connect, send and receive; a client that does not trust it, and a plain
// MQTT client on the TLS port, get nowhere; a socket that never starts the
// handshake is closed at the connect timeout.
func TestMQTTTLS(t *testing.T) {
	certFile, keyFile, cert := writeSelfSigned(t, t.TempDir())
	f := mqttSetup(t, func(c *serveConfig) {
		c.MQTTTLSListen, c.MQTTTLSCert, c.MQTTTLSKey = "127.0.0.1:0", certFile, keyFile
		c.MQTTConnectTimeout = time.Second
	})
	addr := f.ts.srv.MQTTTLSAddr()
	if addr == "" || addr == f.ts.MQTTAddr {
		t.Fatalf("TLS listener address %q (TCP %q)", addr, f.ts.MQTTAddr)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	dialTLS := func(identity string) (*mqttV5, error) {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", addr,
			&tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
		if err != nil {
			return nil, err
		}
		m := &mqttV5{msgs: make(chan *paho.Publish, 10), disc: make(chan *paho.Disconnect, 1)}
		m.c = paho.NewClient(paho.ClientConfig{Conn: conn, PacketTimeout: 5 * time.Second,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
				m.msgs <- pr.Packet
				return true, nil
			}}})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m.connack, err = m.c.Connect(ctx, &paho.Connect{ClientID: identity + "-tls", KeepAlive: 30, CleanStart: true,
			Password: []byte(f.token(t, identity, time.Hour)), PasswordFlag: true,
			Properties: &paho.ConnectProperties{RequestProblemInfo: true}})
		if err != nil {
			conn.Close()
			return nil, err
		}
		t.Cleanup(func() { _ = m.c.Disconnect(&paho.Disconnect{}) })
		return m, nil
	}
	bob, err := dialTLS("bob")
	if err != nil {
		t.Fatalf("bob over TLS: %v", err)
	}
	if bob.connack.Properties.User.Get("parley-identity") != "bob" {
		t.Errorf("CONNACK over TLS: %+v", bob.connack.Properties)
	}
	if rc := bob.subscribe(t, f.topic("messages")); rc[0] != 0 {
		t.Fatalf("SUBACK %v", rc)
	}
	alice, err := dialTLS("alice")
	if err != nil {
		t.Fatalf("alice over TLS: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := alice.c.Publish(ctx, &paho.Publish{Topic: f.topic("messages"), QoS: 1, Payload: []byte("over tls")})
	if err != nil || r.ReasonCode != 0 || r.Properties.User.Get("parley-index") != "0" {
		t.Fatalf("publish over TLS: %v %+v", err, r)
	}
	ev := mqttEvent(t, bob.next(t, f.topic("messages"), 3*time.Second).Payload)
	if ev.Type != "messageAdded" || ev.Message == nil || ev.Message.Body != "over tls" || ev.Message.From != "alice" {
		t.Fatalf("delivery over TLS %+v", ev)
	}

	// A client that does not trust the certificate fails the handshake.
	if c, err := tls.Dial("tcp", addr, &tls.Config{ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}); err == nil {
		c.Close()
		t.Error("a client without the certificate in its roots completed the handshake")
	}
	// Plain MQTT on the TLS port gets no CONNACK and is closed.
	plain, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.Write([]byte{0x10, 0x10, 0, 4, 'M', 'Q', 'T', 'T', 5, 2, 0, 30, 0, 0, 3, 'a', 'b', 'c'}); err != nil {
		t.Fatal(err)
	}
	_ = plain.SetReadDeadline(time.Now().Add(3 * time.Second))
	b, err := io.ReadAll(plain)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Error("plain MQTT on the TLS port left open")
	}
	if len(b) > 0 && b[0] == 0x20 {
		t.Errorf("plain MQTT on the TLS port got a CONNACK %x", b)
	}
	// A socket that never starts the handshake is closed at the timeout.
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	start := time.Now()
	if at, ok := waitClosed(idle, 4*time.Second); !ok || at.Sub(start) > 2500*time.Millisecond {
		t.Errorf("idle TLS socket: closed=%v after %v (timeout 1 s)", ok, at.Sub(start))
	}
}
