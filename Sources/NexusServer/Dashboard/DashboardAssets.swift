import Foundation

/// The dashboard's files, embedded in the binary by SwiftPM (`Dashboard/Assets`, `.embedInCode`),
/// looked up by name: only names in this table are served, so no request names a path on disk.
/// A file added to the folder is added here too (a test compares the two).
public enum DashboardAssets {
    struct File {
        var contentType: String
        var bytes: [UInt8]
    }

    private static let files: [String: [UInt8]] = [
        "api.js": PackageResources.api_js,
        "app.css": PackageResources.app_css,
        "app.js": PackageResources.app_js,
        "charts.js": PackageResources.charts_js,
        "dom.js": PackageResources.dom_js,
        "index.html": PackageResources.index_html,
        "sse.js": PackageResources.sse_js,
        "views-admin.js": PackageResources.views_admin_js,
        "views-models.js": PackageResources.views_models_js,
        "views-modules.js": PackageResources.views_modules_js,
        "views-overview.js": PackageResources.views_overview_js,
        "views-runs.js": PackageResources.views_runs_js,
    ]

    /// Every file's name.
    public static var names: [String] { files.keys.sorted() }

    static func file(named name: String) -> File? {
        if let folder = editedFolder {
            guard isPlainName(name), let bytes = FileManager.default.contents(atPath: folder + "/" + name) else { return nil }
            return File(contentType: contentType(of: name), bytes: [UInt8](bytes))
        }
        return files[name].map { File(contentType: contentType(of: name), bytes: $0) }
    }

    /// `NEXUS_DASHBOARD_DIR`: a folder to serve the files from instead, read on every request, so
    /// that whoever edits the page sees a change on reload without rebuilding the binary.
    private static let editedFolder: String? = ProcessInfo.processInfo.environment["NEXUS_DASHBOARD_DIR"].flatMap { $0.isEmpty ? nil : $0 }

    /// A file name of the folder itself: lowercase letters, digits, '.', '-' and '_', not starting with '.'.
    private static func isPlainName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first != "." else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" || $0 == "_" }
    }

    private static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        default: "application/octet-stream"
        }
    }
}
