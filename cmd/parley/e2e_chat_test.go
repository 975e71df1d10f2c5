package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/sdk"
)

// tmuxTerm is a program running in a real terminal: a detached tmux
// session on a private server socket.
type tmuxTerm struct {
	t      *testing.T
	socket string
}

func (tm *tmuxTerm) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-L", tm.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	return string(out), err
}

// startTerm runs command (a shell line) in a new 160x50 terminal.
func startTerm(t *testing.T, command string) *tmuxTerm {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is required (Debian package tmux; .ci/run installs it)")
	}
	tm := &tmuxTerm{t: t, socket: fmt.Sprintf("parley-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	if out, err := tm.tmux("new-session", "-d", "-s", "chat", "-x", "160", "-y", "50", command); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { _, _ = tm.tmux("kill-server") })
	return tm
}

// screen returns the terminal's text with its scrollback.
func (tm *tmuxTerm) screen() string {
	out, err := tm.tmux("capture-pane", "-p", "-t", "chat", "-S", "-500")
	if err != nil {
		tm.t.Fatalf("capture-pane: %v: %s", err, out)
	}
	return out
}

// waitFor waits until the screen shows want.
func (tm *tmuxTerm) waitFor(want string) {
	tm.t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(tm.screen(), want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tm.t.Fatalf("the terminal never showed %q; screen:\n%s", want, tm.screen())
}

// typeLine types a line and Enter, as a user would.
func (tm *tmuxTerm) typeLine(s string) {
	tm.t.Helper()
	if out, err := tm.tmux("send-keys", "-t", "chat", "-l", s); err != nil {
		tm.t.Fatalf("send-keys: %v: %s", err, out)
	}
	if out, err := tm.tmux("send-keys", "-t", "chat", "Enter"); err != nil {
		tm.t.Fatalf("send-keys: %v: %s", err, out)
	}
}

// buildParley builds the parley binary into a temporary directory.
func buildParley(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "parley")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v: %s", err, out)
	}
	return bin
}

// TestChatTerminal drives `parley chat` as a user would, in a terminal,
// against a running Parley where other users chat through the SDK.
func TestChatTerminal(t *testing.T) {
	bin := buildParley(t)
	f := mqttSetup(t)
	bob := f.sdkClient(t, "bob", time.Hour)
	ctx := testCtx(t)
	if _, err := bob.SendMessage(ctx, "room", sdk.NewMessage{Body: "earlier"}); err != nil {
		t.Fatal(err)
	}
	tm := startTerm(t, fmt.Sprintf("%s chat --url mqtt://%s --token %s --channel room; echo EXITED $?; sleep 30",
		bin, f.ts.MQTTAddr, f.token(t, "alice", time.Hour)))
	tm.waitFor("connected as alice")
	tm.waitFor("* now in #room")
	tm.waitFor("[0] bob: earlier") // recent history

	// Live: bob's message and typing.
	if _, err := bob.SendMessage(ctx, "room", sdk.NewMessage{Body: "hi alice"}); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("#room [1] bob: hi alice")
	if err := bob.Typing(ctx, "room"); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("#room * bob is typing...")

	// A typed line is sent; bob receives it.
	tm.typeLine("hello bob")
	for {
		ev := nextEvent(t, bob, 5*time.Second, sdk.MessageAdded)
		if ev.Message.From == "alice" {
			if ev.Message.Body != "hello bob" || *ev.Index != 2 {
				t.Errorf("bob received %+v", ev.Message)
			}
			break
		}
	}
	tm.waitFor("#room [2] alice: hello bob")

	// Someone joins; the listing, read marking and history commands.
	carol := f.sdkClient(t, "carol", time.Hour)
	if _, err := carol.Join(ctx, "room"); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("#room * carol joined")
	tm.typeLine("/list")
	tm.waitFor("joined, 3 members")
	tm.typeLine("/read")
	tm.waitFor("* #room marked read (0 unread)")
	tm.typeLine("/history 2")
	tm.waitFor("* last 2 messages of #room:")
	tm.typeLine("/who")
	tm.waitFor("* members of #room: ")
	tm.typeLine("/nonsense")
	tm.waitFor("! unknown command /nonsense")
	tm.typeLine("/quit")
	tm.waitFor("bye")
	tm.waitFor("EXITED 0")
	// Message 0 was shown by the opening history; the SDK's catch-up also
	// delivers it as an event, which must not print it a second time.
	if strings.Contains(tm.screen(), "#room [0] bob: earlier") {
		t.Errorf("a message shown by history was printed again as an event:\n%s", tm.screen())
	}
	if strings.Count(tm.screen(), "#room [1] bob: hi alice") != 1 || strings.Contains(tm.screen(), "connection") {
		t.Errorf("a message was shown twice:\n%s", tm.screen())
	}
}
