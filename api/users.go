package api

// userRoutes: SASL users and topic permissions.
var userRoutes = []Route{}
