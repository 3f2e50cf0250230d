package dev.streamplane.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PLAIN users file, re-read whenever it changes.
 *
 * <p>Format: UTF-8, one user per line, {@code name:iterations:salt:hash}
 * with salt and hash in standard base64 (padded); empty lines and lines
 * starting with {@code #} are skipped. Names cannot contain ':' or line
 * breaks, nor start with '#'.
 *
 * <p>Every lookup stats the file (one system call) and re-reads it when its
 * inode, modification time or size changed. Writers replace the file by
 * rename, which always gives a new inode, so no change can hide behind an
 * unchanged time and size.
 *
 * <p>Nothing here throws at the broker. A file that is missing, cannot be
 * opened or does not parse is logged once and rejects every login until it
 * is fixed; a read that fails half way keeps what was last read and tries
 * again at the next login.
 */
final class CredentialsFile {
    private static final Logger log = LoggerFactory.getLogger(CredentialsFile.class);

    // Far above 20 users; a bound, so a wrong path cannot fill the heap.
    static final int MAX_SIZE = 4 << 20;

    /** What the last load left: the users, or null to reject all logins. */
    private static final class State {
        final Map<String, Credential> users;
        final Credential decoy;
        final String version; // of the file the users came from; null forces a re-read
        final String problem; // last problem logged, so it is logged once

        State(Map<String, Credential> users, Credential decoy, String version, String problem) {
            this.users = users;
            this.decoy = decoy;
            this.version = version;
            this.problem = problem;
        }
    }

    /** The users of one lookup; decoy stands in for unknown users. */
    static final class Users {
        final Map<String, Credential> byName;
        final Credential decoy;

        Users(Map<String, Credential> byName, Credential decoy) {
            this.byName = byName;
            this.decoy = decoy;
        }
    }

    private final Path path;
    private final Object reloading = new Object();
    private volatile State state = new State(null, null, null, null);

    CredentialsFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** Returns the current users, or null if logins must be rejected. */
    Users users() {
        String version;
        try {
            version = version(path);
        } catch (IOException e) {
            version = null;
        }
        State s = state;
        if (version != null && version.equals(s.version)) {
            return s.users == null ? null : new Users(s.users, s.decoy);
        }
        synchronized (reloading) {
            s = state;
            if (version == null || !version.equals(s.version)) {
                s = load(s);
                state = s;
            }
            return s.users == null ? null : new Users(s.users, s.decoy);
        }
    }

    private State load(State prev) {
        String version;
        try {
            version = version(path);
        } catch (IOException e) {
            return rejectAll(prev, null, "cannot read " + path + ": " + describe(e));
        }
        byte[] data;
        try (InputStream in = Files.newInputStream(path)) {
            try {
                data = in.readNBytes(MAX_SIZE + 1);
            } catch (IOException e) {
                // Half way through: keep the last good users; the version
                // stays old, so the next login tries again.
                String problem = "reading " + path + " failed (" + describe(e)
                        + "); keeping the " + count(prev) + " users read before";
                if (!problem.equals(prev.problem)) {
                    log.warn("Streamplane PLAIN credentials: {}", problem);
                }
                return new State(prev.users, prev.decoy, prev.version, problem);
            }
        } catch (IOException e) {
            return rejectAll(prev, null, "cannot open " + path + ": " + describe(e));
        }
        if (data.length > MAX_SIZE) {
            return rejectAll(prev, version, path + " is larger than " + MAX_SIZE + " bytes");
        }
        Map<String, Credential> users;
        try {
            users = parse(data);
        } catch (IllegalArgumentException e) {
            return rejectAll(prev, version, path + " is malformed: " + e.getMessage());
        }
        log.info("Streamplane PLAIN credentials: loaded {} users from {}", users.size(), path);
        return new State(users, decoy(users), version, null);
    }

    private static State rejectAll(State prev, String version, String problem) {
        if (!problem.equals(prev.problem)) {
            log.error("Streamplane PLAIN credentials: {}; rejecting every PLAIN login until it is fixed", problem);
        }
        return new State(null, null, version, problem);
    }

    private static int count(State s) {
        return s.users == null ? 0 : s.users.size();
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /**
     * Identifies the file's content without reading it: inode, modification
     * time and size.
     */
    static String version(Path path) throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return Objects.toString(a.fileKey()) + "|" + a.lastModifiedTime().toInstant() + "|" + a.size();
    }

    /**
     * A credential for users that do not exist, at the file's highest cost,
     * so that a wrong name takes as long to refuse as a wrong password.
     */
    private static Credential decoy(Map<String, Credential> users) {
        int iterations = Credential.MIN_ITERATIONS;
        for (Credential c : users.values()) {
            iterations = Math.max(iterations, c.iterations);
        }
        return new Credential(iterations, new byte[Credential.MIN_SALT], new byte[Credential.MAX_HASH]);
    }

    /** Parses the file; an IllegalArgumentException names the bad line. */
    static Map<String, Credential> parse(byte[] data) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(data))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not UTF-8");
        }
        Map<String, Credential> users = new HashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int n = i + 1;
            // Messages name the line, never its content: it holds a hash.
            String[] f = line.split(":", -1);
            if (f.length != 4) {
                throw new IllegalArgumentException("line " + n + ": want name:iterations:salt:hash, got "
                        + f.length + " fields");
            }
            if (f[0].isEmpty()) {
                throw new IllegalArgumentException("line " + n + ": empty user name");
            }
            Credential c;
            try {
                c = new Credential(Integer.parseInt(f[1]),
                        Base64.getDecoder().decode(f[2]),
                        Base64.getDecoder().decode(f[3]));
            } catch (IllegalArgumentException e) { // NumberFormatException is one
                throw new IllegalArgumentException("line " + n + ": " + e.getMessage());
            }
            if (users.put(f[0], c) != null) {
                throw new IllegalArgumentException("line " + n + ": user " + f[0] + " appears twice");
            }
        }
        return Collections.unmodifiableMap(users);
    }
}
