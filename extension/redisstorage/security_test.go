package redisstorage

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/extension/extensiontest"

	"github.com/paylog/paylog/extension/redisstorage/internal/metadata"
	"github.com/paylog/paylog/internal/testredis"
)

// writeTestCA writes a CA and a server certificate for 127.0.0.1, signed by
// it, as PEM files; it returns their paths.
func writeTestCA(t *testing.T) (caFile, certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "paylog test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	serverKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	serverTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "redis"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	serverDER, err := x509.CreateCertificate(rand.Reader, serverTemplate, caCert, &serverKey.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(serverKey)
	require.NoError(t, err)
	write := func(name, kind string, der []byte) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600))
		return path
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", serverDER), write("server.key", "EC PRIVATE KEY", keyDER)
}

func startWith(t *testing.T, cfg *Config) error {
	t.Helper()
	set := extensiontest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	ext, err := NewFactory().Create(context.Background(), set, cfg)
	require.NoError(t, err)
	err = ext.Start(context.Background(), componenttest.NewNopHost())
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return err
}

func TestTLSSettingsAreHonoured(t *testing.T) {
	caFile, certFile, keyFile := writeTestCA(t)
	server := testredis.StartTLS(t, certFile, keyFile, caFile)
	config := func(tls configtls.ClientConfig) *Config {
		cfg := createDefaultConfig().(*Config)
		cfg.Endpoint = server.Addr
		cfg.TLS = tls
		return cfg
	}

	// Trusting the test CA: TLS works, and the storage does.
	s := startExtension(t, server.Addr, func(c *Config) {
		c.TLS = configtls.ClientConfig{Config: configtls.Config{CAFile: caFile}}
	})
	c := newClient(t, s, "tls")
	require.NoError(t, c.Set(context.Background(), "k", []byte("over TLS")))
	v, err := c.Get(context.Background(), "k")
	require.NoError(t, err)
	assert.Equal(t, []byte("over TLS"), v)

	// Without the CA the server's certificate is not trusted.
	err = startWith(t, config(configtls.ClientConfig{}))
	require.Error(t, err)
	assert.ErrorContains(t, err, "certificate")

	// Plain TCP against a TLS port does not pass for a connection either.
	assert.Error(t, startWith(t, config(configtls.ClientConfig{Insecure: true})))
}

func TestPasswordIsUsed(t *testing.T) {
	server := testredis.Start(t, "--requirepass", "s3cret")
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = server.Addr
	err := startWith(t, cfg)
	require.Error(t, err, "no password")
	assert.ErrorContains(t, err, "NOAUTH")

	cfg.Password = configopaque.String("wrong")
	assert.Error(t, startWith(t, cfg))

	s := startExtension(t, server.Addr, func(c *Config) { c.Password = "s3cret" })
	require.NoError(t, newClient(t, s, "auth").Set(context.Background(), "k", []byte("v")))
}
