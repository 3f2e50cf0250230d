package api

// parameterRoutes: instance parameters.
var parameterRoutes = []Route{}
