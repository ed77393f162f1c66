package e2e

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	yaml "go.yaml.in/yaml/v3"
)

// Docker cannot run here: TestComposeFileIsConsistent checks
// docker-compose.yml against the files it mounts and the Dockerfile it
// builds, and validates the collector config it runs.

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       string            `yaml:"build"`
		Command     []string          `yaml:"command"`
		Volumes     []string          `yaml:"volumes"`
		Environment map[string]string `yaml:"environment"`
		Ports       []string          `yaml:"ports"`
		DependsOn   map[string]any    `yaml:"depends_on"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func TestComposeFileIsConsistent(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: runs the collector binary")
	}
	root := repoRoot()
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	require.NoError(t, err)
	var compose composeFile
	require.NoError(t, yaml.Unmarshal(raw, &compose))

	names := make([]string, 0, len(compose.Services))
	published := map[string]string{} // host port → service
	for name, svc := range compose.Services {
		names = append(names, name)
		for _, p := range svc.Ports {
			published[strings.SplitN(p, ":", 2)[0]] = name
		}
		for dep := range svc.DependsOn {
			assert.Contains(t, compose.Services, dep, "%s depends on an unknown service", name)
		}
		for _, v := range svc.Volumes {
			source := strings.Split(v, ":")[0]
			if strings.HasPrefix(source, "./") {
				_, err := os.Stat(filepath.Join(root, source))
				assert.NoError(t, err, "%s mounts %s", name, source)
			} else {
				assert.Contains(t, compose.Volumes, source, "%s mounts an undeclared volume", name)
			}
		}
	}
	for _, want := range []string{"otelcol-paylog", "elasticsearch", "redis", "jaeger", "prometheus"} {
		assert.Contains(t, names, want)
	}
	// The seed's ports.
	for port, service := range map[string]string{"8000": "otelcol-paylog", "9200": "elasticsearch", "16686": "jaeger", "9090": "prometheus"} {
		assert.Equal(t, service, published[port], "port %s", port)
	}

	// The collector runs a config it mounts, pointing at services that exist.
	gw := compose.Services["otelcol-paylog"]
	assert.Equal(t, ".", gw.Build)
	// Every --config it names is mounted; the first is the pipeline.
	var configSources []string
	for i, arg := range gw.Command {
		if arg != "--config" || i+1 >= len(gw.Command) {
			continue
		}
		var source string
		for _, v := range gw.Volumes {
			if parts := strings.Split(v, ":"); parts[1] == gw.Command[i+1] {
				source = filepath.Join(root, parts[0])
			}
		}
		require.NotEmpty(t, source, "the config %s is mounted", gw.Command[i+1])
		configSources = append(configSources, source)
	}
	require.NotEmpty(t, configSources)
	configSource := configSources[0]
	traces, err := url.Parse(gw.Environment["PAYLOG_TRACES_ENDPOINT"])
	require.NoError(t, err)
	assert.Equal(t, "jaeger:4318", traces.Host, "the collector's traces go to Jaeger's OTLP port")
	es, err := url.Parse(gw.Environment["PAYLOG_ES_ENDPOINT"])
	require.NoError(t, err)
	assert.Equal(t, "elasticsearch:9200", es.Host)
	host, port, err := net.SplitHostPort(gw.Environment["PAYLOG_REDIS_ENDPOINT"])
	require.NoError(t, err)
	assert.Equal(t, []string{"redis", "6379"}, []string{host, port})
	assert.Equal(t, "0.0.0.0:8000", gw.Environment["PAYLOG_ENDPOINT"], "the API listens beyond the container")

	// The config validates with the environment compose gives it.
	args := []string{"validate"}
	for _, source := range configSources {
		args = append(args, "--config", source)
	}
	cmd := exec.Command(binary, args...)
	for k, v := range gw.Environment {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)

	// Prometheus scrapes the collector's telemetry port.
	prom, err := os.ReadFile(filepath.Join(root, "deploy", "prometheus.yml"))
	require.NoError(t, err)
	assert.Contains(t, string(prom), `"otelcol-paylog:8888"`)
	cfg, err := os.ReadFile(configSource)
	require.NoError(t, err)
	assert.Contains(t, string(cfg), "port: ${env:PAYLOG_TELEMETRY_PORT:-8888}")
	assert.Contains(t, string(cfg), "host: ${env:PAYLOG_TELEMETRY_HOST:-localhost}")
	assert.Equal(t, "0.0.0.0", gw.Environment["PAYLOG_TELEMETRY_HOST"])

	// The Dockerfile builds the distribution and ships the configs.
	dockerfile, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	require.NoError(t, err)
	assert.Contains(t, string(dockerfile), "go build -trimpath -o /out/otelcol-paylog ./cmd/otelcol-paylog")
	for _, copied := range regexp.MustCompile(`(?m)^COPY (\S+) /etc/paylog/`).FindAllStringSubmatch(string(dockerfile), -1) {
		_, err := os.Stat(filepath.Join(root, copied[1]))
		assert.NoError(t, err, "the Dockerfile copies %s", copied[1])
	}
	assert.Contains(t, string(dockerfile), "EXPOSE 8000 4317 4318 8888")
}
