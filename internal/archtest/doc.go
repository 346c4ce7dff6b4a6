// Package archtest holds the tests that keep the architecture visible: which
// packages may import which, and that every package says what it is for.
package archtest
