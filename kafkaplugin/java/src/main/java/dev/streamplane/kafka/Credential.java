package dev.streamplane.kafka;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * One user's stored credential: a salted PBKDF2-HMAC-SHA512 hash of the
 * password. The bounds match the Go package's, which writes the file.
 */
final class Credential {
    static final String ALGORITHM = "PBKDF2WithHmacSHA512";

    static final int MIN_ITERATIONS = 1_000;
    // A cap, so that a bad file cannot make each login burn seconds of CPU.
    static final int MAX_ITERATIONS = 10_000_000;
    static final int MIN_SALT = 8;
    static final int MAX_SALT = 1024;
    static final int MIN_HASH = 16;
    // One HMAC-SHA512 block; more would multiply the cost for nothing.
    static final int MAX_HASH = 64;

    final int iterations;
    private final byte[] salt;
    private final byte[] hash;

    Credential(int iterations, byte[] salt, byte[] hash) {
        if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException("iterations " + iterations + " outside ["
                    + MIN_ITERATIONS + ", " + MAX_ITERATIONS + "]");
        }
        if (salt.length < MIN_SALT || salt.length > MAX_SALT) {
            throw new IllegalArgumentException("salt of " + salt.length + " bytes outside ["
                    + MIN_SALT + ", " + MAX_SALT + "]");
        }
        if (hash.length < MIN_HASH || hash.length > MAX_HASH) {
            throw new IllegalArgumentException("hash of " + hash.length + " bytes outside ["
                    + MIN_HASH + ", " + MAX_HASH + "]");
        }
        this.iterations = iterations;
        this.salt = salt.clone();
        this.hash = hash.clone();
    }

    /**
     * Reports whether password hashes to this credential. The JDK's PBKDF2
     * turns the chars into UTF-8 bytes, as Go does with a string.
     */
    boolean verify(char[] password) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, hash.length * 8);
        try {
            byte[] derived = SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
            return MessageDigest.isEqual(derived, hash); // constant time
        } catch (GeneralSecurityException e) {
            // Every JDK since 8 has this algorithm; the handler turns this
            // into "credentials could not be verified" for the client.
            throw new IllegalStateException(ALGORITHM + " is not available", e);
        } finally {
            spec.clearPassword();
        }
    }
}
