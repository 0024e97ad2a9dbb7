package main

import (
	"runtime/debug"
	"strings"
)

// version is the release version, set when a release is built:
//
//	go build -ldflags "-X main.version=0.2.0" ./server/cmd/natterd
//
// (make dist does so). Without it the module version from the build
// information is used; a build from a checkout says "devel".
var version string

// versionLine is what -version prints: the version, the VCS revision the
// binary was built from (with "+modified" when the tree had uncommitted
// changes) and the Go version. info is the binary's build information, nil
// when it has none.
func versionLine(release string, info *debug.BuildInfo) string {
	v := release
	if v == "" && info != nil && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = strings.TrimPrefix(info.Main.Version, "v")
	}
	if v == "" {
		v = "devel"
	}
	parts := []string{"natterd " + v}
	if info != nil {
		var rev, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = "+modified"
				}
			}
		}
		if rev != "" {
			parts = append(parts, "revision "+rev+modified)
		}
		if info.GoVersion != "" {
			parts = append(parts, info.GoVersion)
		}
	}
	return strings.Join(parts, ", ")
}

// buildInfo is the running binary's build information, or nil.
func buildInfo() *debug.BuildInfo {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return info
}
