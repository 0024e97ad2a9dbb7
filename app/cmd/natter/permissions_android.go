//go:build android

package main

// The network state permission lets Natter tell "no Wi-Fi" from "hub
// down"; gogio adds ACCESS_NETWORK_STATE to the manifest for this import
// (and INTERNET because the program imports net).
import _ "gioui.org/app/permission/networkstate"
