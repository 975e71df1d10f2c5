// Command bot is a chat bot on Parley's Go SDK: it joins a channel and
// answers commands there.
//
//	!ping          pong
//	!time          the bot's clock
//	!echo TEXT     TEXT
//	!help          the list
//
// Its tokens come from a backend (examples/backend) through
// sdk.Config.TokenProvider, so they are renewed before they expire; or
// from PARLEY_TOKEN.
//
//	go run ./examples/bot --url mqtt://127.0.0.1:1883 --backend http://127.0.0.1:3000 --channel general
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/parleychat/parley/sdk"
)

// tokenFrom returns a TokenProvider asking backend for identity's tokens.
func tokenFrom(backend, identity string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		u := strings.TrimRight(backend, "/") + "/token?identity=" + url.QueryEscape(identity)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return "", err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("token endpoint: %s: %s", resp.Status, b)
		}
		return strings.TrimSpace(string(b)), nil
	}
}

// answer returns the bot's reply to a message body, or "" for none.
func answer(body string) string {
	cmd, arg, _ := strings.Cut(strings.TrimSpace(body), " ")
	switch cmd {
	case "!ping":
		return "pong"
	case "!time":
		return time.Now().UTC().Format(time.RFC1123)
	case "!echo":
		return arg
	case "!help":
		return "!ping, !time, !echo TEXT"
	}
	return ""
}

func main() {
	mqttURL := flag.String("url", "mqtt://127.0.0.1:1883", "Parley MQTT `URL`")
	backend := flag.String("backend", "", "backend `URL` serving /token?identity=ID (else PARLEY_TOKEN)")
	identity := flag.String("identity", "bot", "the bot's `identity`")
	channel := flag.String("channel", "general", "`channel` to answer in")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	cfg := sdk.Config{URL: *mqttURL, Token: os.Getenv("PARLEY_TOKEN")}
	if *backend != "" {
		cfg.TokenProvider = tokenFrom(*backend, *identity)
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	c, err := sdk.New(cctx, cfg)
	cancel()
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	d, err := c.GetChannel(ctx, *channel)
	if err != nil {
		log.Fatal(err)
	}
	if d.Status != "joined" {
		if _, err := c.Join(ctx, d.SID); err != nil {
			log.Fatal(err)
		}
	}
	log.Printf("%s answering in %s", c.Identity(), *channel)
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-c.Events():
			if !ok {
				return
			}
			switch {
			case ev.Type == sdk.TokenExpired:
				log.Fatal("token expired: ", ev.Err)
			case ev.Type != sdk.MessageAdded || ev.ChannelSID != d.SID || ev.Message.From == c.Identity():
				continue
			}
			reply := answer(ev.Message.Body)
			if reply == "" {
				continue
			}
			rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			_ = c.Typing(rctx, d.SID)
			if _, err := c.SendMessage(rctx, d.SID, sdk.NewMessage{Body: reply}); err != nil {
				log.Print("reply: ", err)
			}
			cancel()
		}
	}
}
