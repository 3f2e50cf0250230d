// Behaviour of the instances area; app.js holds the shared behaviour.
