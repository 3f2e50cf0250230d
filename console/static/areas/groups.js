// Behaviour of the groups area; app.js holds the shared behaviour.
