package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOTLPLogsAreSearchable sends OTLP/HTTP logs and finds them through the
// same fields as JSON-API logs: service.name → service, host.name → source,
// severity → level, attributes → metadata.
func TestOTLPLogsAreSearchable(t *testing.T) {
	c := startCollector(t, t.TempDir())
	ts := time.Now().Add(-time.Minute).UnixNano()
	body := fmt.Sprintf(`{"resourceLogs":[{"resource":{"attributes":[
		{"key":"service.name","value":{"stringValue":"checkout"}},
		{"key":"host.name","value":{"stringValue":"k8s-node-7"}},
		{"key":"deployment.environment","value":{"stringValue":"prod"}}]},
	  "scopeLogs":[{"logRecords":[
		{"timeUnixNano":"%d","severityNumber":17,"severityText":"Error",
		 "body":{"stringValue":"card authorization declined by issuer"},
		 "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
		 "attributes":[{"key":"http.status_code","value":{"intValue":"402"}},{"key":"order","value":{"kvlistValue":{"values":[{"key":"id","value":{"stringValue":"o-77"}}]}}}]},
		{"timeUnixNano":"%d","severityNumber":10,"body":{"stringValue":"cart viewed"}}
	  ]}]}]}`, ts, ts+1)
	resp, err := http.Post("http://"+c.otlpHTTP+"/v1/logs", "application/json", bytes.NewBufferString(body))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	res := c.waitForCount(t, url.Values{"service": {"checkout"}}, 2, 10*time.Second)
	require.Equal(t, 2, res.TotalCount)

	res = c.search(t, url.Values{"query": {"authorization declined"}, "level": {"ERROR"}, "source": {"k8s-node-7"}})
	require.Equal(t, 1, res.TotalCount)
	got := res.Logs[0]
	assert.Equal(t, "ERROR", got.Level)
	assert.Equal(t, "checkout", *got.Service)
	assert.Equal(t, "k8s-node-7", got.Source)
	assert.Equal(t, "5b8efff798038103d269b633813fc60c", *got.TraceID)
	assert.Equal(t, "eee19b7ec3c1b174", *got.SpanID)
	assert.Equal(t, time.Unix(0, ts).UTC(), got.Timestamp)
	assert.Equal(t, map[string]any{"http.status_code": float64(402), "order": map[string]any{"id": "o-77"}}, got.Metadata)

	assert.Equal(t, 1, c.search(t, url.Values{"trace_id": {"5B8EFFF798038103D269B633813FC60C"}}).TotalCount)
	assert.Equal(t, 1, c.search(t, url.Values{"query": {"metadata.order.id:o-77"}}).TotalCount)
	assert.Equal(t, 1, c.search(t, url.Values{"query": {"cart"}, "level": {"INFO"}}).TotalCount)
}
