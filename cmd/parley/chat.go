package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/sdk"
)

const chatHelp = `Commands:
  /list            public channels and yours (status, unread)
  /join NAME       join a channel (unique name or SID) and make it current
  /switch NAME     make a joined channel current
  /leave           leave the current channel
  /history [N]     the last N messages of the current channel (default 20)
  /who             members of the current channel
  /read            mark the current channel read
  /typing          tell the channel you are typing
  /help            this help
  /quit            exit
Any other line is sent to the current channel.
`

// runChat is `parley chat`: a line-based terminal client on the Go SDK, for
// operators checking a deployment.
func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", env("PARLEY_URL", "mqtt://127.0.0.1:1883"), "Parley MQTT `URL`: mqtt://host:1883, mqtts://host:8883 or ws://host:8080/mqtt (env PARLEY_URL)")
	token := fs.String("token", env("PARLEY_TOKEN", ""), "access `token` (mint one with parley token) (env PARLEY_TOKEN)")
	channel := fs.String("channel", "", "channel `name` (unique name or SID) to join and open")
	history := fs.Int("history", 10, "`number` of messages shown when opening a channel")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *token == "" {
		fmt.Fprintln(stderr, "parley chat: --token is required")
		return errUsage
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	c, err := sdk.New(cctx, sdk.Config{URL: *url, Token: *token})
	cancel()
	if err != nil {
		return err
	}
	defer c.Close()
	ch := &chatUI{c: c, out: stdout, names: map[string]string{}, historyN: *history}
	ch.printf("connected as %s (service %s); /help for commands", c.Identity(), c.ServiceSID())
	if *channel != "" {
		ch.join(ctx, *channel)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-c.Events():
			if !ok {
				return nil
			}
			ch.event(ev)
		case line, ok := <-lines:
			if !ok {
				return nil // end of input
			}
			if !ch.command(ctx, strings.TrimSpace(line)) {
				ch.printf("bye")
				return nil
			}
		}
	}
}

// chatUI is the terminal client's state.
type chatUI struct {
	c        *sdk.Client
	mu       sync.Mutex // serialises output
	out      io.Writer
	names    map[string]string // channel SID -> display name
	current  string            // current channel SID
	historyN int
	wasDown  bool // the connection dropped: say when it is back
	// shown is the highest message index printed per channel SID, so a
	// message shown by history is not printed again when the SDK's
	// catch-up delivers it as an event.
	shown map[string]int64
}

// fresh reports whether message index of channel has not been printed yet,
// and records it as printed.
func (u *chatUI) fresh(channel string, index int64) bool {
	if last, ok := u.shown[channel]; ok && index <= last {
		return false
	}
	if u.shown == nil {
		u.shown = make(map[string]int64)
	}
	u.shown[channel] = index
	return true
}

func (u *chatUI) printf(format string, args ...any) {
	u.mu.Lock()
	defer u.mu.Unlock()
	fmt.Fprintf(u.out, format+"\n", args...)
}

// name is a channel's display name: unique name, friendly name, or SID.
func (u *chatUI) name(sid string) string {
	if n := u.names[sid]; n != "" {
		return n
	}
	return sid
}

func (u *chatUI) remember(ch *sdk.Channel) {
	switch {
	case ch.UniqueName != nil && *ch.UniqueName != "":
		u.names[ch.SID] = *ch.UniqueName
	case ch.FriendlyName != nil && *ch.FriendlyName != "":
		u.names[ch.SID] = *ch.FriendlyName
	}
}

func reqCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, 10*time.Second)
}

// command runs one input line; false means quit.
func (u *chatUI) command(ctx context.Context, line string) bool {
	if line == "" {
		return true
	}
	if !strings.HasPrefix(line, "/") {
		if u.current == "" {
			u.printf("! no current channel: /join NAME first")
			return true
		}
		rctx, cancel := reqCtx(ctx)
		defer cancel()
		if _, err := u.c.SendMessage(rctx, u.current, sdk.NewMessage{Body: line}); err != nil {
			u.printf("! send: %v", err)
		}
		return true
	}
	cmd, arg, _ := strings.Cut(line[1:], " ")
	arg = strings.TrimSpace(arg)
	rctx, cancel := reqCtx(ctx)
	defer cancel()
	switch cmd {
	case "quit", "exit", "q":
		return false
	case "help":
		u.printf("%s", strings.TrimRight(chatHelp, "\n"))
	case "list":
		u.list(rctx)
	case "join":
		if arg == "" {
			u.printf("! usage: /join NAME")
			break
		}
		u.join(rctx, arg)
	case "switch":
		d, err := u.c.GetChannel(rctx, arg)
		if err != nil {
			u.printf("! %v", err)
			break
		}
		u.remember(&d.Channel)
		u.current = d.SID
		u.printf("* now in #%s", u.name(d.SID))
	case "leave":
		if u.current == "" {
			u.printf("! no current channel")
			break
		}
		if err := u.c.Leave(rctx, u.current); err != nil {
			u.printf("! leave: %v", err)
			break
		}
		u.printf("* left #%s", u.name(u.current))
		u.current = ""
	case "history":
		n := 20
		if arg != "" {
			if v, err := strconv.Atoi(arg); err == nil && v > 0 {
				n = v
			}
		}
		u.history(rctx, n)
	case "who":
		if u.current == "" {
			u.printf("! no current channel")
			break
		}
		p, err := u.c.GetMembers(rctx, u.current, sdk.PageOptions{Size: 100})
		if err != nil {
			u.printf("! %v", err)
			break
		}
		ids := make([]string, len(p.Items))
		for i, m := range p.Items {
			ids[i] = m.Identity
		}
		u.printf("* members of #%s: %s", u.name(u.current), strings.Join(ids, ", "))
	case "read":
		if u.current == "" {
			u.printf("! no current channel")
			break
		}
		n, err := u.c.SetAllMessagesRead(rctx, u.current)
		if err != nil {
			u.printf("! %v", err)
			break
		}
		u.printf("* #%s marked read (%d unread)", u.name(u.current), n)
	case "typing":
		if u.current != "" {
			if err := u.c.Typing(rctx, u.current); err != nil {
				u.printf("! %v", err)
			}
		}
	default:
		u.printf("! unknown command /%s; /help lists them", cmd)
	}
	return true
}

func (u *chatUI) list(ctx context.Context) {
	seen := map[string]bool{}
	mine, err := u.c.UserChannelDescriptors(ctx, sdk.PageOptions{Size: 100})
	if err != nil {
		u.printf("! %v", err)
		return
	}
	pub, err := u.c.PublicChannelDescriptors(ctx, sdk.PageOptions{Size: 100})
	if err != nil {
		u.printf("! %v", err)
		return
	}
	u.printf("* channels:")
	for _, d := range append(mine.Items, pub.Items...) {
		if seen[d.SID] {
			continue
		}
		seen[d.SID] = true
		u.remember(&d.Channel)
		unread := ""
		if d.UnreadMessagesCount != nil {
			unread = fmt.Sprintf(", %d unread", *d.UnreadMessagesCount)
		}
		u.printf("  #%-20s %s, %d members%s", u.name(d.SID), d.Status, d.MembersCount, unread)
	}
}

// join joins (if needed) and opens a channel, with its recent history.
func (u *chatUI) join(ctx context.Context, key string) {
	d, err := u.c.GetChannel(ctx, key)
	if err != nil {
		u.printf("! %s: %v", key, err)
		return
	}
	u.remember(&d.Channel)
	if d.Status != "joined" {
		if _, err := u.c.Join(ctx, d.SID); err != nil {
			u.printf("! join %s: %v", key, err)
			return
		}
	}
	u.current = d.SID
	u.printf("* now in #%s", u.name(d.SID))
	u.history(ctx, u.historyN)
}

func (u *chatUI) history(ctx context.Context, n int) {
	if u.current == "" {
		u.printf("! no current channel")
		return
	}
	ms, err := u.c.GetMessages(ctx, u.current, n, nil, sdk.Backwards)
	if err != nil {
		u.printf("! history: %v", err)
		return
	}
	u.printf("* last %d messages of #%s:", len(ms), u.name(u.current))
	for _, m := range ms {
		u.printf("  [%d] %s: %s", m.Index, m.From, m.Body)
		u.fresh(u.current, m.Index)
	}
}

// event shows one event.
func (u *chatUI) event(ev sdk.Event) {
	if ev.Channel != nil {
		u.remember(ev.Channel)
	}
	where := "#" + u.name(ev.ChannelSID)
	switch ev.Type {
	case sdk.MessageAdded:
		if ev.Message != nil && u.fresh(ev.ChannelSID, ev.Message.Index) {
			u.printf("%s [%d] %s: %s", where, ev.Message.Index, ev.Message.From, ev.Message.Body)
		}
	case sdk.MessageUpdated:
		if ev.Message != nil {
			u.printf("%s [%d] %s (edited): %s", where, ev.Message.Index, ev.Message.From, ev.Message.Body)
		}
	case sdk.MessageRemoved:
		if ev.Index != nil {
			u.printf("%s [%d] (deleted)", where, *ev.Index)
		}
	case sdk.TypingStarted:
		if ev.Identity != u.c.Identity() {
			u.printf("%s * %s is typing...", where, ev.Identity)
		}
	case sdk.MemberJoined:
		if ev.Member != nil {
			u.printf("%s * %s joined", where, ev.Member.Identity)
		}
	case sdk.MemberLeft:
		if ev.Member != nil {
			u.printf("%s * %s left", where, ev.Member.Identity)
		}
	case sdk.ChannelInvited:
		u.printf("* you are invited to %s (/join %s)", where, u.name(ev.ChannelSID))
	case sdk.ChannelRemoved:
		if !ev.Inbox {
			u.printf("* %s was destroyed", where)
			if ev.ChannelSID == u.current {
				u.current = ""
			}
		}
	case sdk.ConnectionStateChanged:
		if ev.State != sdk.StateConnected || u.wasDown {
			u.printf("* connection %s", ev.State)
		}
		u.wasDown = ev.State != sdk.StateConnected
	case sdk.TokenAboutToExpire:
		u.printf("* token expires at %s", ev.Expires)
	case sdk.TokenExpired:
		u.printf("! token expired: %v", ev.Err)
	}
}
