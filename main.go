// Command fieldcheck is the offline-first field inspection server.
package main

import (
	"os"

	"fieldcheck/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
