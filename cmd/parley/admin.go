package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/parleychat/parley/core"
	"github.com/parleychat/parley/store/embedded"
	"github.com/parleychat/parley/token"
)

// adminCore opens the data directory's store for an admin command. The
// embedded store admits one process at a time: stop `parley serve` first, or
// use the REST Keys API while it runs.
func adminCore(dataDir, secretKey string) (*embedded.Store, *core.Core, error) {
	return openCore(dataDir, secretKey, slog.New(slog.DiscardHandler))
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	identity := fs.String("identity", "", "the end user's `identity` (required)")
	service := fs.String("service", "", "the chat service `SID`, IS... (required)")
	ttl := fs.Duration("ttl", time.Hour, "token lifetime, at most 24h")
	endpoint := fs.String("endpoint-id", "", "optional endpoint `id` of the client device")
	keySID := fs.String("key-sid", env("PARLEY_API_KEY", ""), "API key `SID` (SK...) that signs the token; empty uses the data dir's only key (env PARLEY_API_KEY)")
	keySecret := fs.String("key-secret", env("PARLEY_API_SECRET", ""), "the key's `secret`; empty reads it from the data dir (env PARLEY_API_SECRET)")
	accountSID := fs.String("account-sid", env("PARLEY_ACCOUNT_SID", ""), "account `SID`, needed with --key-secret (env PARLEY_ACCOUNT_SID)")
	var dataDir, secretKey string
	dataDirFlag(fs, &dataDir)
	secretKeyFlag(fs, &secretKey)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: parley token --identity ID --service IS... [flags]\n\nPrints an access token (a Twilio AccessToken JWT with a chat grant).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *identity == "" || *service == "" {
		fs.Usage()
		return errUsage
	}
	p := token.Params{AccountSID: *accountSID, KeySID: *keySID, Secret: *keySecret, Identity: *identity,
		Chat: token.ChatGrant{ServiceSID: *service, EndpointID: *endpoint}, TTL: *ttl}
	if p.Secret == "" {
		st, cr, err := adminCore(dataDir, secretKey)
		if err != nil {
			return err
		}
		defer st.Close()
		if p.KeySID == "" {
			keys, _, err := cr.ListKeys(ctx, core.PageParams{})
			if err != nil {
				return err
			}
			if len(keys) != 1 {
				return fmt.Errorf("the data dir has %d API keys: name one with --key-sid (create one with 'parley keys create')", len(keys))
			}
			p.KeySID = keys[0].SID
		}
		acct, secret, err := cr.KeySecret(ctx, p.KeySID)
		if err != nil {
			return fmt.Errorf("key %s: %w", p.KeySID, err)
		}
		p.AccountSID, p.Secret = acct, string(secret)
	}
	jwt, err := token.Mint(p)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, jwt)
	return nil
}

func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const keysUsage = "Usage: parley keys create [--name NAME] | list | revoke SK...\n\nManages API keys in the data dir (stop 'parley serve' first, or use the REST Keys API).\n\nFlags:\n"
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("parley keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "friendly `name` of a new key (create)")
	var dataDir, secretKey string
	dataDirFlag(fs, &dataDir)
	secretKeyFlag(fs, &secretKey)
	fs.Usage = func() { fmt.Fprint(stderr, keysUsage); fs.PrintDefaults() }
	cmd := args[0]
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if cmd != "create" && cmd != "list" && cmd != "revoke" || cmd == "revoke" && len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	st, cr, err := adminCore(dataDir, secretKey)
	if err != nil {
		return err
	}
	defer st.Close()
	switch cmd {
	case "create":
		k, secret, err := cr.CreateKey(ctx, *name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API key created (the secret is shown once; keep it):\n  SID:    %s\n  Secret: %s\n", k.SID, secret)
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SID\tNAME\tCREATED")
		pp := core.PageParams{}
		for {
			keys, info, err := cr.ListKeys(ctx, pp)
			if err != nil {
				return err
			}
			for _, k := range keys {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", k.SID, k.FriendlyName, k.DateCreated.Format(time.RFC3339))
			}
			if info.NextToken == "" {
				break
			}
			pp.Token = info.NextToken
		}
		return tw.Flush()
	case "revoke":
		if err := cr.DeleteKey(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "API key %s revoked\n", pos[0])
	}
	return nil
}

// parseInterspersed parses flags that may come before or after positional
// arguments (as in "keys revoke SK... --data-dir d") and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
