//go:build !unix

package server

// openNoFollow is 0 where opening has no such flag; os.Root still keeps
// every open inside the folder.
const openNoFollow = 0
