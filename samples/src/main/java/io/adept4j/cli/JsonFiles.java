package io.adept4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Pretty JSON output, written atomically (temp file, then rename) so a crash never leaves half a result. */
final class JsonFiles {

    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonFiles() {
    }

    static String toJson(Object value) throws IOException {
        return MAPPER.writeValueAsString(value);
    }

    static Path write(Path dir, String fileName, Object value) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(fileName);
        Path tmp = Files.createTempFile(dir, fileName, ".tmp");
        try {
            MAPPER.writeValue(tmp.toFile(), value);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }
}
