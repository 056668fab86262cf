// Package server is fieldcheck's HTTP face: the Fiber app, its middleware,
// the route table with each route's access rule, and thin handlers that parse
// a request, call one domain function and write JSON. Business rules and
// transactions live in the domain packages (server/ imports no bbolt:
// imports_test.go); errors are mapped to API.md's shape in errors.go only.
package server
