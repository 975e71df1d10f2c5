package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/eclipse/paho.golang/paho"

	"github.com/parleychat/parley/wire"
)

// Error is a request Parley refused: Twilio's error code, its message and
// the HTTP status the REST API would give. For a refused send (MQTT 5
// PUBACK) ReasonCode is the MQTT reason code too.
type Error struct {
	Code       int
	Message    string
	Status     int
	ReasonCode byte
}

func (e *Error) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("parley: %s (MQTT reason %#x)", e.Message, e.ReasonCode)
	}
	return fmt.Sprintf("parley: %s (%d)", e.Message, e.Code)
}

// ErrorCode returns the Twilio error code of err, or 0 when err is not a
// Parley refusal.
func ErrorCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// call runs one RPC command of docs/protocol.md and decodes its result
// into result (when not nil).
//
// The correlation is the SDK's own, not paho.golang's rpc extension, which
// drops replies that arrive before its Request waits for them and never
// resubscribes after a reconnection: each request registers a buffered
// channel under a random correlation ID before it is published, the reply
// handler (given at construction, so it survives reconnections) fills it,
// and a dropped connection fails the request at once.
func (c *Client) call(ctx context.Context, command string, args any, result any) error {
	if args == nil {
		args = struct{}{}
	}
	payload, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("sdk: %s: %w", command, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	lost, err := c.awaitReady(ctx)
	if err != nil {
		return fmt.Errorf("sdk: %s: %w", command, err)
	}
	c.mu.Lock()
	is, us := c.serviceSID, c.userSID
	c.mu.Unlock()
	id := randomID()
	ch := make(chan *wire.Reply, 1)
	c.pmu.Lock()
	c.pending[id] = ch
	c.pmu.Unlock()
	defer func() {
		c.pmu.Lock()
		delete(c.pending, id)
		c.pmu.Unlock()
	}()
	_, err = c.conn().Publish(ctx, &paho.Publish{Topic: "chat/" + is + "/rpc/" + command, QoS: 1, Payload: payload,
		Properties: &paho.PublishProperties{ResponseTopic: "chat/" + is + "/users/" + us + "/rpc",
			CorrelationData: []byte(id), ContentType: "application/json"}})
	if err != nil {
		return fmt.Errorf("sdk: %s: %w", command, err)
	}
	select {
	case r := <-ch:
		if !r.OK {
			if r.Error == nil {
				return &Error{Message: "request failed without an error"}
			}
			return &Error{Code: r.Error.Code, Message: r.Error.Message, Status: r.Error.Status}
		}
		if result != nil {
			if err := json.Unmarshal(r.Result, result); err != nil {
				return fmt.Errorf("sdk: %s: decoding the result: %w", command, err)
			}
		}
		return nil
	case <-lost:
		return fmt.Errorf("sdk: %s: %w", command, ErrConnectionLost)
	case <-ctx.Done():
		return fmt.Errorf("sdk: %s: %w", command, ctx.Err())
	case <-c.done:
		return fmt.Errorf("sdk: %s: %w", command, ErrClosed)
	}
}

// reasonCode finds the Twilio code Parley puts at the end of a PUBACK's
// reason string: "User not authorized for command (50107)".
var reasonCode = regexp.MustCompile(`^(.*) \((\d+)\)$`)

// pubackError converts a refused PUBACK.
func pubackError(rc byte, reason string) *Error {
	e := &Error{Message: reason, ReasonCode: rc}
	if m := reasonCode.FindStringSubmatch(reason); m != nil {
		e.Message = m[1]
		e.Code, _ = strconv.Atoi(m[2])
	}
	switch rc {
	case 0x87:
		e.Status = 403
	case 0x99, 0x90:
		e.Status = 400
	case 0x97:
		e.Status = 429
	default:
		e.Status = 500
	}
	if e.Code == 20404 {
		e.Status = 404
	}
	return e
}
