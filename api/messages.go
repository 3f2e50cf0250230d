package api

// messageRoutes: querying, reading and sending messages.
var messageRoutes = []Route{}
