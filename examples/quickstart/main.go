// Command quickstart drives Parley with twilio-go, Twilio's own Go helper
// library, unchanged: only the HTTP client that carries its requests is
// Parley's, sending what twilio-go addresses to https://chat.twilio.com to
// Parley's URL instead.
//
//	PARLEY_URL=http://127.0.0.1:8080 PARLEY_ACCOUNT_SID=AC... PARLEY_AUTH_TOKEN=... go run ./examples/quickstart
package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"

	"github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
	chat "github.com/twilio/twilio-go/rest/chat/v2"
)

// redirect sends every request to base, keeping path and query: twilio-go
// hard-codes Twilio's hosts.
type redirect struct{ base *url.URL }

func (rd redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = rd.base.Scheme, rd.base.Host, rd.base.Host
	return http.DefaultTransport.RoundTrip(req)
}

// newClient returns a twilio-go client talking to Parley at baseURL.
func newClient(baseURL, accountSID, authToken string) (*twilio.RestClient, error) {
	base, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	c := &twclient.Client{Credentials: twclient.NewCredentials(accountSID, authToken),
		HTTPClient: &http.Client{Transport: redirect{base}}}
	c.SetAccountSid(accountSID)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: c}), nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	tw, err := newClient(os.Getenv("PARLEY_URL"), os.Getenv("PARLEY_ACCOUNT_SID"), os.Getenv("PARLEY_AUTH_TOKEN"))
	if err != nil {
		return err
	}
	svc, err := tw.ChatV2.CreateService(new(chat.CreateServiceParams).SetFriendlyName("quickstart"))
	if err != nil {
		return err
	}
	fmt.Println("service:", *svc.Sid)
	ch, err := tw.ChatV2.CreateChannel(*svc.Sid, new(chat.CreateChannelParams).
		SetFriendlyName("General").SetUniqueName("general"))
	if err != nil {
		return err
	}
	fmt.Println("channel:", *ch.Sid)
	if _, err := tw.ChatV2.CreateUser(*svc.Sid, new(chat.CreateUserParams).SetIdentity("alice")); err != nil {
		return err
	}
	// The channel segment takes the unique name as well as the SID.
	if _, err := tw.ChatV2.CreateMember(*svc.Sid, "general", new(chat.CreateMemberParams).SetIdentity("alice")); err != nil {
		return err
	}
	for _, body := range []string{"hello", "is anyone here?"} {
		m, err := tw.ChatV2.CreateMessage(*svc.Sid, "general", new(chat.CreateMessageParams).SetFrom("alice").SetBody(body))
		if err != nil {
			return err
		}
		fmt.Printf("sent #%d %s\n", m.Index, *m.Sid)
	}
	msgs, err := tw.ChatV2.ListMessage(*svc.Sid, "general", nil)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		fmt.Printf("%d %s: %s\n", m.Index, *m.From, *m.Body)
	}
	return nil
}
