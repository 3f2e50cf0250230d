// Behaviour of the topics area; app.js holds the shared behaviour.
