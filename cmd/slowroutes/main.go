// Command slowroutes turns uWSGI, nginx and gunicorn logs into per-route
// timeout and latency facts: `slowroutes report` ranks the worst routes of
// local log files or CloudWatch Logs event files.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `slowroutes turns uWSGI, nginx and gunicorn logs into per-route timeouts and latency.

Usage:
  slowroutes report [flags] PATH...   rank the worst routes of log files, .gz files or CloudWatch Logs event files
  slowroutes emit [flags] PATH...     send (or --dry-run: print) the DogStatsD datagrams the Lambda functions would send
  slowroutes subscribe [flags]        subscribe CloudWatch Logs log groups to a slowroutes function (or --remove)
  slowroutes backfill [flags]         rank the worst routes of CloudWatch Logs log groups' history (e.g. 30 days)
  slowroutes help COMMAND             show a command's flags

Run 'slowroutes COMMAND --help' for the flags of a command.
`

type command struct {
	name string
	run  func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"report", runReport},
		{"emit", runEmit},
		{"subscribe", runSubscribe},
		{"backfill", runBackfill},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	name, rest := args[0], args[1:]
	if name == "help" && len(rest) > 0 {
		name, rest = rest[0], []string{"--help"}
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(rest, stdin, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "slowroutes: unknown command %q\n\n%s", name, usage)
	return 2
}
