package api

// topicRoutes: topics, sample code and disk usage.
var topicRoutes = []Route{}
