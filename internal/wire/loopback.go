package wire

import (
	"net"
	"strings"
)

// IsLoopback reports whether host (a name or an IP, without a port or
// brackets) is loopback: localhost, a *.localhost name, 127.0.0.0/8 or ::1.
// Both clients accept plain http only for such hosts.
func IsLoopback(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
