package ratelimit

import (
	"fmt"
	"net/netip"
	"strings"
)

// NoIP is the key part of a client whose address is unknown or not an IP
// address: they share one bucket per path, as in Better Auth.
const NoIP = "no-trusted-ip"

// NormalizeIP is Better Auth's normalizeIP for keys: an IPv4 address (also
// one mapped into IPv6) as is, an IPv6 address as its /64 subnet in eight
// zero-padded groups, since one client usually holds a whole /64.
func NormalizeIP(ip string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return NoIP
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	b := p.Addr().As16()
	var sb strings.Builder
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02x%02x", b[i], b[i+1])
	}
	return sb.String()
}
