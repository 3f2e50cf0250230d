// Behaviour of the access area; app.js holds the shared behaviour.
