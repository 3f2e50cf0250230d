package local

import (
	"path/filepath"
	"strconv"
)

// layout names the files of one instance under the data directory:
//
//	<root>/<instance-id>/brokers/<node-id>/server.properties
//	                                      /data     (log.dirs)
//	                                      /logs     (server.log, stdout.log)
//	                                      /broker.pid
type layout struct {
	root string // <data>/instances
}

func (l layout) instanceDir(instanceID string) string { return filepath.Join(l.root, instanceID) }

func (l layout) brokerDir(instanceID string, node int) string {
	return filepath.Join(l.root, instanceID, "brokers", strconv.Itoa(node))
}

func (l layout) configFile(instanceID string, node int) string {
	return filepath.Join(l.brokerDir(instanceID, node), "server.properties")
}

func (l layout) dataDir(instanceID string, node int) string {
	return filepath.Join(l.brokerDir(instanceID, node), "data")
}

func (l layout) logDir(instanceID string, node int) string {
	return filepath.Join(l.brokerDir(instanceID, node), "logs")
}

func (l layout) serverLog(instanceID string, node int) string {
	return filepath.Join(l.logDir(instanceID, node), "server.log")
}

func (l layout) stdoutLog(instanceID string, node int) string {
	return filepath.Join(l.logDir(instanceID, node), "stdout.log")
}

func (l layout) tlsDir(instanceID string, node int) string {
	return filepath.Join(l.brokerDir(instanceID, node), "tls")
}

func (l layout) keystoreFile(instanceID string, node int) string {
	return filepath.Join(l.tlsDir(instanceID, node), "keystore.pem")
}

func (l layout) truststoreFile(instanceID string, node int) string {
	return filepath.Join(l.tlsDir(instanceID, node), "clients-ca.pem")
}

func (l layout) plainUsersFile(instanceID string, node int) string {
	return filepath.Join(l.brokerDir(instanceID, node), "plain-users")
}

func (l layout) metricsConfigFile(instanceID string, node int) string {
	return filepath.Join(l.brokerDir(instanceID, node), "metrics.yaml")
}

func (l layout) pidFile(instanceID string, node int) string {
	return filepath.Join(l.brokerDir(instanceID, node), "broker.pid")
}

// A migration's MirrorMaker 2 lives beside the brokers, under the instance,
// so that deleting the instance takes it too:
//
//	<root>/<instance-id>/mirrors/<migration-id>/mm2.properties
//	                                           /<CA bundles>
//	                                           /logs      (server.log, stdout.log)
//	                                           /mm2.pid
func (l layout) mirrorDir(instanceID, migrationID string) string {
	return filepath.Join(l.root, instanceID, "mirrors", migrationID)
}

func (l layout) mirrorConfigFile(instanceID, migrationID string) string {
	return filepath.Join(l.mirrorDir(instanceID, migrationID), "mm2.properties")
}

func (l layout) mirrorLogDir(instanceID, migrationID string) string {
	return filepath.Join(l.mirrorDir(instanceID, migrationID), "logs")
}

func (l layout) mirrorServerLog(instanceID, migrationID string) string {
	return filepath.Join(l.mirrorLogDir(instanceID, migrationID), "server.log")
}

func (l layout) mirrorStdoutLog(instanceID, migrationID string) string {
	return filepath.Join(l.mirrorLogDir(instanceID, migrationID), "stdout.log")
}

func (l layout) mirrorPidFile(instanceID, migrationID string) string {
	return filepath.Join(l.mirrorDir(instanceID, migrationID), "mm2.pid")
}
