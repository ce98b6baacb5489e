package main

import (
	"strings"
	"unicode/utf8"
)

// deviceName turns a User-Agent header into a name a person recognises on
// the sessions page, such as "Firefox on Windows". It is a rough guess for
// display only: clients can send any User-Agent.
func deviceName(ua string) string {
	if strings.TrimSpace(ua) == "" {
		return "Unknown device"
	}
	var browser string
	for _, b := range []struct{ token, name string }{
		// Order matters: Edge and Opera also say Chrome, Chrome also says
		// Safari.
		{"HeadlessChrome/", "Headless Chrome"},
		{"Edg/", "Edge"},
		{"OPR/", "Opera"},
		{"Firefox/", "Firefox"},
		{"Chromium/", "Chromium"},
		{"Chrome/", "Chrome"},
		{"CriOS/", "Chrome"},
		{"Safari/", "Safari"},
		{"curl/", "curl"},
		{"Go-http-client/", "Go program"},
		{"node", "Node.js"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	var system string
	for _, s := range []struct{ token, name string }{
		{"iPhone", "iPhone"},
		{"iPad", "iPad"},
		{"Android", "Android"},
		{"CrOS", "ChromeOS"},
		{"Windows", "Windows"},
		{"Mac OS X", "macOS"},
		{"Macintosh", "macOS"},
		{"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "Browser on " + system
	}
	name, _, _ := strings.Cut(ua, " ")
	if len(name) > 40 {
		cut := 40
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + "…"
	}
	return name
}
