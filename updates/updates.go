// Package updates compares package versions with each ecosystem's rules and finds the updates
// each distinct (package set, repo set) needs.
package updates
