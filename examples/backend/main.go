// Command backend is the server side of a chat app on Parley, written as it
// would be for Twilio: with twilio-go, unchanged except for the HTTP
// transport that sends its requests to Parley. It provisions a service,
// users and a channel, creates an API key, and serves access tokens minted
// with twilio-go's client/jwt for the SDK clients (GET /token?identity=ID),
// which is what sdk.Config.TokenProvider calls.
//
//	PARLEY_URL=http://127.0.0.1:8080 PARLEY_ACCOUNT_SID=AC... PARLEY_AUTH_TOKEN=... \
//	  go run ./examples/backend --listen 127.0.0.1:3000
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
	"github.com/twilio/twilio-go/client/jwt"
	api "github.com/twilio/twilio-go/rest/api/v2010"
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

// backend holds what tokens are minted with.
type backend struct {
	accountSID, keySID, keySecret, serviceSID string
	ttl                                       time.Duration
}

// mint returns an access token for identity, minted with twilio-go.
func (b *backend) mint(identity string) (string, error) {
	at := jwt.CreateAccessToken(jwt.AccessTokenParams{AccountSid: b.accountSID, SigningKeySid: b.keySID,
		Secret: b.keySecret, Identity: identity, Ttl: b.ttl.Seconds()})
	at.AddGrant(&jwt.ChatGrant{ServiceSid: b.serviceSID})
	return at.ToJwt()
}

// serveToken answers GET /token?identity=ID with a token. A real backend
// authenticates its user first; this one trusts the caller.
func (b *backend) serveToken(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("identity")
	if id == "" {
		http.Error(w, "identity is required", http.StatusBadRequest)
		return
	}
	tok, err := b.mint(id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, tok)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:3000", "`address` of the token endpoint")
	users := []string{"alice", "bob", "bot"}
	flag.Parse()
	base, err := url.Parse(os.Getenv("PARLEY_URL"))
	if err != nil || base.Host == "" {
		log.Fatal("PARLEY_URL (Parley's REST base URL, e.g. http://127.0.0.1:8080) is required")
	}
	accountSID, authToken := os.Getenv("PARLEY_ACCOUNT_SID"), os.Getenv("PARLEY_AUTH_TOKEN")
	hc := &twclient.Client{Credentials: twclient.NewCredentials(accountSID, authToken),
		HTTPClient: &http.Client{Transport: redirect{base}, Timeout: 10 * time.Second}}
	hc.SetAccountSid(accountSID)
	tw := twilio.NewRestClientWithParams(twilio.ClientParams{Client: hc})

	key, err := tw.Api.CreateNewKey(new(api.CreateNewKeyParams).SetFriendlyName("backend example"))
	if err != nil {
		log.Fatal("create API key: ", err)
	}
	if key.Sid == nil || key.Secret == nil {
		log.Fatal(errors.New("the API key came without SID or secret"))
	}
	svc, err := tw.ChatV2.CreateService(new(chat.CreateServiceParams).SetFriendlyName("backend example"))
	if err != nil {
		log.Fatal("create service: ", err)
	}
	ch, err := tw.ChatV2.CreateChannel(*svc.Sid, new(chat.CreateChannelParams).SetFriendlyName("General").SetUniqueName("general"))
	if err != nil {
		log.Fatal("create channel: ", err)
	}
	for _, id := range users {
		if _, err := tw.ChatV2.CreateUser(*svc.Sid, new(chat.CreateUserParams).SetIdentity(id)); err != nil {
			log.Fatal("create user: ", err)
		}
		if _, err := tw.ChatV2.CreateMember(*svc.Sid, *ch.Sid, new(chat.CreateMemberParams).SetIdentity(id)); err != nil {
			log.Fatal("add member: ", err)
		}
	}
	b := &backend{accountSID: accountSID, keySID: *key.Sid, keySecret: *key.Secret, serviceSID: *svc.Sid, ttl: time.Hour}
	fmt.Println("service:", *svc.Sid)
	fmt.Println("channel:", *ch.Sid, "(general)")
	for _, id := range users {
		tok, err := b.mint(id)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("token for %s: %s\n", id, tok)
	}
	fmt.Printf("tokens: http://%s/token?identity=ID\n", *listen)
	http.HandleFunc("GET /token", b.serveToken)
	srv := &http.Server{Addr: *listen, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
