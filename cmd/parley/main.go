// Command parley is the Parley chat server and its admin tools.
//
//	parley serve              run the server (REST API; embedded store)
//	parley token              mint an access token for an end user
//	parley keys create|list|revoke   manage API keys
//	parley chat               a terminal chat client (on the Go SDK)
//
// Run `parley COMMAND --help` for each command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `Parley: a self-hosted chat server with Twilio Programmable Chat's model over MQTT and REST.

Usage:
  parley serve [flags]                 run the server
  parley token --identity ID --service IS... [flags]
                                       mint an access token for an end user
  parley keys create|list|revoke       manage API keys
  parley chat --url URL --token TOKEN [--channel NAME]
                                       a line-based terminal chat client
  parley version                       print the version

Run 'parley COMMAND --help' for a command's flags.
`

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// run executes one command line; main only handles signals and exit codes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "token":
		return runToken(ctx, args[1:], stdout, stderr)
	case "keys":
		return runKeys(ctx, args[1:], stdout, stderr)
	case "chat":
		return runChat(ctx, args[1:], os.Stdin, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "parley", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "parley: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}
