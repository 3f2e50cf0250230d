package api

// quotaRoutes: Kafka client quotas.
var quotaRoutes = []Route{}
