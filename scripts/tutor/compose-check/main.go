// compose-check loads docker compose files the way `docker compose` does (compose-go is the loader the
// docker CLI uses), so a syntax or schema error in a rendered Tutor environment fails here without Docker.
// It prints the loaded project, paths resolved and env_file entries merged into each service's
// environment, as JSON on stdout.
//
// Usage: compose-check -C <project dir> -p <project name> <file> [<file>...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	dir := flag.String("C", ".", "project working directory (relative paths resolve against it)")
	name := flag.String("p", "tutor_local", "project name")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-check -C DIR -p NAME FILE...")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(flag.Args(),
		cli.WithWorkingDirectory(*dir),
		cli.WithName(*name),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
	fmt.Println()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose-check:", err)
	os.Exit(1)
}
