// Command streamplane is the Streamplane server (`streamplane server`) and
// its command-line client (every other subcommand).
package main

import (
	"os"

	"github.com/streamplane/streamplane/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
