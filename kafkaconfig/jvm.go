package kafkaconfig

import "fmt"

// JVMFlags are the JVM settings of every broker (Kafka's own
// kafka-run-class defaults) with a heap of heapMB.
func JVMFlags(heapMB int) []string {
	return []string{
		fmt.Sprintf("-Xmx%dm", heapMB), fmt.Sprintf("-Xms%dm", heapMB),
		"-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
		"-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15", "-XX:+ExitOnOutOfMemoryError",
		"-Djava.awt.headless=true",
	}
}
