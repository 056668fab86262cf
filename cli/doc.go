// Package cli is fieldcheck's command line: serve, user add, backup,
// restore. It parses flags, wires the store, the domain packages and the
// server together, and loads the demo organisation. main only calls Run.
package cli
