// Package server is fieldcheck's HTTP face: the Fiber app, its middleware,
// the route table with each route's access rule, and thin handlers that parse
// a request, call one domain function and write JSON. Business rules live in
// the domain packages; errors are mapped to API.md's shape in errors.go only.
package server
