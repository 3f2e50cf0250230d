package api

// groupRoutes: consumer groups.
var groupRoutes = []Route{}
