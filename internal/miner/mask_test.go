package miner

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMaskToken(t *testing.T) {
	tests := map[string]string{
		"error":                                 "error",
		"42":                                    "<*>",
		"41,":                                   "<*>,",
		"4.0":                                   "<*>",
		"0x00e462c0,":                           "<*>,",
		"blk_-1527267659500322006":              "<*>",
		"10.251.31.5:50010":                     "<*>",
		"/10.250.19.102:50010:":                 "<*>:",
		"proxy.cse.cuhk.edu.hk:5070":            "<*>",
		"uid=0":                                 "uid=<*>",
		"(uid=509)":                             "(uid=<*>)",
		"LOGIN(uid=0)":                          "LOGIN(uid=<*>)",
		"headroom=<memory:0,":                   "headroom=<memory:<*>,",
		"[DFSClient_NONMAPREDUCE_1537864556_1]": "[<*>]",
		"core.114":                              "core.<*>",
		"vCores:-27":                            "vCores:<*>",
		"SOCKS5":                                "SOCKS5",
		"IPv4":                                  "IPv4",
		"sha256":                                "sha256",
		"rdd_2_4":                               "<*>",
		"task_1445144423722_0020_m_000007":      "<*>",
		"(TID":                                  "(TID",
		"1306).":                                "<*>).",
		"@0x1cc8b0":                             "@<*>",
		"/var/www/html/":                        "<*>",
		"(/proc/kmsg)":                          "(<*>)",
		"/":                                     "/",
		"/tmp":                                  "/tmp",
		"and/or":                                "and/or",
		"node-82":                               "node-<*>",
		"SSH-2.0":                               "SSH-2.0",
		"HTTP/1.1":                              "HTTP/1.1",
		// A key with digits in its name keeps its name before '=' (BGL's
		// registers), not before ':' (a host and port).
		"PSR0=00000000,": "PSR0=<*>,",
		"r24=0x1f":       "r24=<*>",
		"node1:8080":     "<*>",
		// Values joined by a comma are masked one by one.
		"1,app":               "<*>,app",
		"type=5,1,old=3":      "type=<*>,<*>,old=<*>",
		"yarn,curi":           "yarn,curi",
		"http://h:80/a?x=1,2": "<*>",
		// A number sign stays before its number, and after a name.
		"#12":    "#<*>",
		"CPU#0.": "CPU#<*>.",
		// Hardware addresses are one variable.
		"FF:F2:9F:16:E2:23:00:0D:60:E9:1D:DC": "<*>",
		"00:1a:2b:3c:4d:5e,":                  "<*>,",
		"00-1A-2B-3C-4D-5E":                   "<*>",
		// A dot leader keeps its name, as a key does.
		"instruction......0":                "instruction......<*>",
		"depth.................0x0000001f,": "depth.................<*>,",
		"range..7":                          "range..<*>",
		"...7":                              "...<*>",
		"i-fetch......0":                    "i-fetch......<*>",
		"L3.........0x1":                    "L3.........<*>",
		"a.b....0":                          "<*>",
		// URLs are one variable from the scheme on; without digits they stay.
		"hdfs://10.190.128.160:9000/pjhe/test/1/_temporary": "<*>",
		"spark://Coarse@10.10.34.11:48069,":                 "<*>,",
		":[akka.tcp://sys@10.10.34.11:48069]":               ":[<*>]",
		"url=https://example.com/a?id=7":                    "url=<*>",
		"http://wiki.apache.org/hadoop/NoRouteToHost":       "http://wiki.apache.org/hadoop/NoRouteToHost",
		"1://x2": "<*>",
		"9://":   "<*>",
	}
	for in, want := range tests {
		assert.Equal(t, want, maskToken(in), in)
	}
}

func TestCollapseDatesAndMeasures(t *testing.T) {
	assert.Equal(t, []string{"connection", "at", "<*>", "done"},
		collapseDates([]string{"connection", "at", "Sun", "Jul", "10", "13:17:22", "2005", "done"}))
	assert.Equal(t, []string{"at", "<*>"}, collapseDates([]string{"at", "Jul", "1", "09:00:00"}))
	assert.Equal(t, []string{"May", "be"}, collapseDates([]string{"May", "be"}))
	assert.Equal(t, []string{"status=M", "<*>"}, collapseDates(strings.Fields("status=M Fri Jul 01 08:16:53 PDT 2005")))
	assert.Equal(t, []string{"<*>", "PDT", "next"}, collapseDates(strings.Fields("Jul 1 09:00:00 PDT next")))

	assert.Equal(t, []string{"403", "bytes", "sent,", "lifetime", "<*>"},
		collapseMeasures([]string{"403", "bytes", "(0.39", "KB)", "sent,", "lifetime", "<1", "sec"}))
	assert.Equal(t, []string{"received,"}, collapseMeasures([]string{"received,"}))
	assert.Equal(t, []string{"1", "bytes,"}, collapseMeasures([]string{"1", "bytes", "(1", "B),"}))
}

func TestCollapseQuotedValues(t *testing.T) {
	split := strings.Fields
	assert.Equal(t, split(`acquire tag="<*>", name=x`), collapseQuotedValues(split(`acquire tag="View Lock", name=x`)))
	assert.Equal(t, split(`acquire tag="<*>", name=x`), collapseQuotedValues(split(`acquire tag="RILJ_ACK_WL", name=x`)))
	assert.Equal(t, split(`a="<*>" b="<*>"`), collapseQuotedValues(split(`a="" b="two words"`)))
	assert.Equal(t, split(`tag="never closed`), collapseQuotedValues(split(`tag="never closed`)))
	assert.Equal(t, split(`says "hello world"`), collapseQuotedValues(split(`says "hello world"`)), "only a key's value")
}

func TestGeneralize(t *testing.T) {
	tests := []struct{ a, b, want string }{
		{"rhost=zummit.com", "rhost=<*>", "rhost=<*>"},
		{"(host.example.com)", "()", "(<*>)"},
		{"root", "admin", "<*>"},
		{"alpha,", "beta,", "<*>,"},
		{"/proc/kmsg", "/dev/log", "<*>"},
		{"'sparkDriver'", "'sparkExecutor'", "'<*>'"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, generalize(tt.a, tt.b), "%s + %s", tt.a, tt.b)
	}
}
