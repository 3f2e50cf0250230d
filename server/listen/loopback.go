package listen

import "net"

// Loopback reports whether a listen host can only be reached from this
// machine: a loopback IP, or a name that resolves to loopback addresses
// only. An empty host and the unspecified addresses (0.0.0.0, ::) listen on
// every interface; a name that does not resolve is not trusted either.
func Loopback(host string, lookup func(string) ([]net.IP, error)) bool {
	if host == "" {
		return false
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	ips, err := lookup(host)
	if err != nil || len(ips) == 0 {
		return false
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return false
		}
	}
	return true
}
