package sdk_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/parleychat/parley/sdk"
)

// Connect with an access token and print what happens in the user's
// channels.
func ExampleNew() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := sdk.New(ctx, sdk.Config{URL: "mqtt://127.0.0.1:1883", Token: "eyJ..."})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println("connected as", c.Identity())
	for ev := range c.Events() {
		switch ev.Type {
		case sdk.MessageAdded:
			fmt.Printf("%s: %s\n", ev.Message.From, ev.Message.Body)
		case sdk.TypingStarted:
			fmt.Println(ev.Identity, "is typing")
		case sdk.ConnectionStateChanged:
			fmt.Println("connection:", ev.State)
		}
	}
}

// An AccessManager-style token provider: the SDK asks it for a new token
// when the server warns the current one is about to expire, and sends it in
// band; the session goes on.
func ExampleConfig_tokenProvider() {
	provider := func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://backend.example.com/token", nil)
		if err != nil {
			return "", err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	c, err := sdk.New(context.Background(), sdk.Config{URL: "wss://chat.example.com/mqtt", TokenProvider: provider})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for ev := range c.Events() {
		if ev.Type == sdk.TokenExpired {
			log.Fatal("session over: ", ev.Err)
		}
	}
}

// Join a public channel, send a message and read the recent history.
func ExampleClient_SendMessage() {
	ctx := context.Background()
	c, err := sdk.New(ctx, sdk.Config{URL: "mqtt://127.0.0.1:1883", Token: "eyJ..."})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Join(ctx, "general"); err != nil && sdk.ErrorCode(err) != 50404 { // 50404: already a member
		log.Fatal(err)
	}
	sent, err := c.SendMessage(ctx, "general", sdk.NewMessage{Body: "hello"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored at index", sent.Index)
	msgs, err := c.GetMessages(ctx, "general", 20, nil, sdk.Backwards)
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range msgs {
		fmt.Printf("[%d] %s: %s\n", m.Index, m.From, m.Body)
	}
	unread, err := c.SetAllMessagesRead(ctx, "general")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("unread:", unread)
}

// List every public channel, page by page.
func ExampleClient_PublicChannelDescriptors() {
	ctx := context.Background()
	c, err := sdk.New(ctx, sdk.Config{URL: "mqtt://127.0.0.1:1883", Token: "eyJ..."})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	opts := sdk.PageOptions{Size: 50}
	for {
		page, err := c.PublicChannelDescriptors(ctx, opts)
		if err != nil {
			log.Fatal(err)
		}
		for _, d := range page.Items {
			fmt.Println(d.SID, d.Status, d.MembersCount)
		}
		if page.NextToken == "" {
			break
		}
		opts.Token = page.NextToken
	}
}

// Invite a user to a private channel; the invitee sees channelInvited and
// joins (accepts) or declines.
func ExampleClient_InviteMember() {
	ctx := context.Background()
	c, err := sdk.New(ctx, sdk.Config{URL: "mqtt://127.0.0.1:1883", Token: "eyJ..."})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ch, err := c.CreateChannel(ctx, sdk.ChannelOptions{UniqueName: "team", Type: sdk.Private})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.Join(ctx, ch.SID); err != nil {
		log.Fatal(err)
	}
	if _, err := c.InviteMember(ctx, ch.SID, "bob"); err != nil {
		log.Fatal(err)
	}
}
