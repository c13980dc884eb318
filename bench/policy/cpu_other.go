//go:build !linux

package main

func threadCPU() (int64, bool) { return 0, false }
