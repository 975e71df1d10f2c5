package hooks

import (
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/wire"
)

// codeTokenMismatch refuses a refreshed token for another identity or
// service (Twilio's "Access Token grants" family).
const codeTokenMismatch = 20106

// armTimers (re)starts the connection's token timers from c.expires: the
// tokenAboutToExpire warning TokenWarning before, and the 0xA0 disconnect at
// the expiry.
func (h *Hook) armTimers(c *conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopTimersLocked()
	exp := c.expires
	until := time.Until(exp)
	warnIn := until - h.cfg.TokenWarning
	if warnIn < 0 {
		warnIn = 0
	}
	c.warnTimer = time.AfterFunc(warnIn, func() { h.warn(c, exp) })
	c.expTimer = time.AfterFunc(until, func() { h.expire(c, exp) })
}

func (c *conn) stopTimers() {
	c.mu.Lock()
	c.stopTimersLocked()
	c.mu.Unlock()
}

func (c *conn) stopTimersLocked() {
	if c.warnTimer != nil {
		c.warnTimer.Stop()
	}
	if c.expTimer != nil {
		c.expTimer.Stop()
	}
}

// current reports whether exp is still the connection's expiry (a refresh
// replaces it; a timer of the old token must then do nothing).
func (c *conn) current(exp time.Time) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.expires.Equal(exp)
}

func (h *Hook) warn(c *conn, exp time.Time) {
	if !c.current(exp) || h.conn(c.cl) != c {
		return
	}
	h.cfg.Events.PublishUserEvent(c.sess.ServiceSID, c.sess.UserSID, wire.Event{Type: "tokenAboutToExpire",
		ServiceSID: c.sess.ServiceSID, Time: time.Now().UTC().Format(wire.TimeFormat),
		Expires: exp.UTC().Format(time.RFC3339)})
}

func (h *Hook) expire(c *conn, exp time.Time) {
	if !c.current(exp) || h.conn(c.cl) != c {
		return
	}
	h.cfg.Broker.Disconnect(c.cl, packets.Code{Code: 0xA0, Reason: "access token expired"})
}

// refresh verifies tok for the connection's identity and service and moves
// its expiry to tok's (Session.Refresh, used by the updateToken command).
func (h *Hook) refresh(c *conn, tok string) (time.Time, error) {
	ctx, cancel := h.coreCtx()
	defer cancel()
	claims, err := h.cfg.Core.VerifyToken(ctx, tok)
	if err != nil {
		return time.Time{}, err
	}
	if claims.Identity != c.sess.Identity || claims.Chat.ServiceSID != c.sess.ServiceSID {
		return time.Time{}, model.Errorf(model.KindUnauthenticated, codeTokenMismatch,
			"The new token must have the connection's identity and service")
	}
	c.mu.Lock()
	c.expires = claims.Expires
	c.mu.Unlock()
	c.sess.Expires = claims.Expires
	h.armTimers(c)
	return claims.Expires, nil
}
