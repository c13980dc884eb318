// Package faults holds the fault suite: real kontext serve and kontext
// worker processes on a PostgreSQL cluster of their own and a fake model
// provider, driven through provider failures, a database restart and
// SIGKILL mid-batch and mid-ingest. It runs with the build tag faults
// (make test-faults), not in the ordinary go test ./...; see
// docs/operations.md#faults.
package faults
