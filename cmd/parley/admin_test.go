package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/parleychat/parley/model"
	"github.com/parleychat/parley/token"
)

// runCmd runs one parley command line and returns its stdout.
func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	if err != nil {
		t.Logf("parley %s: %v\nstderr: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), err
}

func TestKeysAndTokenCommands(t *testing.T) {
	dir := t.TempDir()
	sidRe := regexp.MustCompile(`SID:\s+(SK[0-9a-f]{32})`)

	// The store needs an account before keys can be made: serve's first
	// start creates it; EnsureAccount does the same here.
	st, cr, err := openCore(dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	acct, generated, err := cr.EnsureAccount(context.Background(), "", "")
	if err != nil || generated == "" || !model.IsSID(model.PrefixAccount, acct.SID) {
		t.Fatalf("EnsureAccount = %v, %q, %v; want a generated account", acct, generated, err)
	}
	st.Close()

	out, err := runCmd(t, "keys", "create", "--name", "ops", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	m := sidRe.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "Secret: ") {
		t.Fatalf("keys create printed %q; want the SID and the secret", out)
	}
	keySID := m[1]

	out, err = runCmd(t, "keys", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(out, keySID) || !strings.Contains(out, "ops") {
		t.Fatalf("keys list printed %q, %v; want the key %s named ops", out, err, keySID)
	}

	out, err = runCmd(t, "token", "--identity", "alice", "--service", "IS0123456789abcdef0123456789abcdef", "--ttl", "2h", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	jwt := strings.TrimSpace(out)
	st, cr, err = openCore(dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	v := token.Verifier{Lookup: cr.KeySecret}
	claims, err := v.Verify(context.Background(), jwt)
	if err != nil {
		t.Fatalf("verify minted token: %v", err)
	}
	if claims.Identity != "alice" || claims.KeySID != keySID || claims.AccountSID != acct.SID ||
		claims.Expires.Sub(claims.NotBefore).Hours() != 2 {
		t.Errorf("claims = %+v; want alice, key %s, account %s, 2h", claims, keySID, acct.SID)
	}
	st.Close()

	if _, err := runCmd(t, "keys", "revoke", keySID, "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	out, _ = runCmd(t, "keys", "list", "--data-dir", dir)
	if strings.Contains(out, keySID) {
		t.Errorf("revoked key still listed: %q", out)
	}
	if _, err := runCmd(t, "token", "--identity", "alice", "--service", "IS0123456789abcdef0123456789abcdef",
		"--key-sid", keySID, "--data-dir", dir); err == nil {
		t.Error("token with a revoked key: want an error")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"token"}, {"keys"}, {"keys", "revoke"}, {"serve", "extra"}} {
		if _, err := runCmd(t, args...); err == nil {
			t.Errorf("parley %v: want an error", args)
		}
	}
	out, err := runCmd(t, "version")
	if err != nil || !strings.HasPrefix(out, "parley ") {
		t.Errorf("version = %q, %v", out, err)
	}
}
