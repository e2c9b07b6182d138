package io.carbide.runtime;

import io.carbide.node.Role;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Reads every {@code *.xml} in the features folder into named features. Errors name the file and
 * line: a bad coordinate, an unknown role, a missing attribute, a name declared twice.
 */
public final class FeatureReader {

    private final Path featuresDir;

    public FeatureReader(Path featuresDir) {
        this.featuresDir = featuresDir;
    }

    /** All features by name, in file and declaration order. */
    public Map<String, Feature> readAll() throws LaunchException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(featuresDir)) {
            files = listing.filter(p -> p.getFileName().toString().endsWith(".xml")).sorted().toList();
        } catch (IOException e) {
            throw new LaunchException("Cannot read the features folder " + featuresDir + ": " + e.getMessage()
                    + "; it should hold carbide-features.xml from the distribution");
        }
        if (files.isEmpty()) {
            throw new LaunchException("No features files (*.xml) in " + featuresDir
                    + "; restore carbide-features.xml from the distribution");
        }
        Map<String, Feature> features = new LinkedHashMap<>();
        for (Path file : files) {
            for (Feature feature : read(file)) {
                Feature earlier = features.putIfAbsent(feature.name(), feature);
                if (earlier != null) {
                    throw new LaunchException("Feature '" + feature.name() + "' is declared twice: " + earlier.where()
                            + " and " + feature.where() + "; rename one of them");
                }
            }
        }
        return features;
    }

    static List<Feature> read(Path file) throws LaunchException {
        Handler handler = new Handler(file);
        try (InputStream in = Files.newInputStream(file)) {
            SAXParserFactory factory = SAXParserFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.newSAXParser().parse(in, handler);
        } catch (SAXParseException e) {
            if (e.getException() instanceof LaunchException launch) {
                throw launch;
            }
            throw new LaunchException("Features file " + file + " line " + e.getLineNumber() + " is not well-formed XML: "
                    + e.getMessage() + "; fix the file or restore it from the distribution");
        } catch (SAXException e) {
            if (e.getException() instanceof LaunchException launch) {
                throw launch;
            }
            throw new LaunchException("Features file " + file + " cannot be read: " + e.getMessage());
        } catch (IOException | ParserConfigurationException e) {
            throw new LaunchException("Cannot read features file " + file + ": " + e.getMessage());
        }
        return handler.features;
    }

    /** Builds features while tracking the line of each element, so errors can point at it. */
    private static final class Handler extends DefaultHandler {
        private final Path file;
        private final List<Feature> features = new ArrayList<>();
        private Locator locator;
        private String featureName;
        private EnumSet<Role> featureRoles;
        private String featureDescription;
        private int featureLine;
        private List<Feature.FeatureBundle> bundles;
        private StringBuilder bundleText;
        private int bundleStartLevel;
        private int bundleLine;

        Handler(Path file) {
            this.file = file;
        }

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
        }

        private SAXException error(String message) {
            return new SAXException(new LaunchException("Features file " + file + " line " + locator.getLineNumber()
                    + ": " + message));
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) throws SAXException {
            switch (qName) {
                case "features" -> {
                }
                case "feature" -> startFeature(attributes);
                case "bundle" -> startBundle(attributes);
                default -> throw error("unexpected element <" + qName + ">; a features file holds <features>, "
                        + "<feature> and <bundle> elements");
            }
        }

        private void startFeature(Attributes attributes) throws SAXException {
            featureName = attributes.getValue("name");
            if (featureName == null || featureName.isBlank()) {
                throw error("<feature> needs a name attribute");
            }
            String roles = attributes.getValue("roles");
            if (roles == null || roles.isBlank()) {
                throw error("feature '" + featureName + "' needs a roles attribute, e.g. roles=\"worker manager\"");
            }
            featureRoles = EnumSet.noneOf(Role.class);
            for (String label : roles.trim().split("[\\s,]+")) {
                try {
                    featureRoles.add(Role.parse(label));
                } catch (IllegalArgumentException e) {
                    throw error("feature '" + featureName + "': " + e.getMessage());
                }
            }
            String description = attributes.getValue("description");
            featureDescription = description == null ? "" : description;
            featureLine = locator.getLineNumber();
            bundles = new ArrayList<>();
        }

        private void startBundle(Attributes attributes) throws SAXException {
            if (bundles == null) {
                throw error("<bundle> must be inside a <feature>");
            }
            String level = attributes.getValue("start-level");
            try {
                bundleStartLevel = level == null ? 5 : Integer.parseInt(level.trim());
            } catch (NumberFormatException e) {
                throw error("start-level '" + level + "' is not a whole number");
            }
            if (bundleStartLevel < 1) {
                throw error("start-level " + bundleStartLevel + " is below 1");
            }
            bundleLine = locator.getLineNumber();
            bundleText = new StringBuilder();
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            if (bundleText != null) {
                bundleText.append(ch, start, length);
            }
        }

        @Override
        public void endElement(String uri, String localName, String qName) throws SAXException {
            if (qName.equals("bundle")) {
                try {
                    bundles.add(new Feature.FeatureBundle(MavenCoordinate.parse(bundleText.toString()),
                            bundleStartLevel, bundleLine));
                } catch (IllegalArgumentException e) {
                    throw error(e.getMessage());
                }
                bundleText = null;
            } else if (qName.equals("feature")) {
                features.add(new Feature(featureName, featureRoles, featureDescription, file, featureLine,
                        List.copyOf(bundles)));
                bundles = null;
            }
        }
    }
}
