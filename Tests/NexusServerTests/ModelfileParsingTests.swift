import Foundation
import NexusAPI
import NexusCore
import Testing

/// The Modelfile of `/api/create` is caller-written text: its values must be ones JSON can hold and
/// its cost must grow with its length, not with its square.
@Suite struct ModelfileParsingTests {
    @Test(arguments: ["nan", "NaN", "inf", "-infinity", "1e999"])
    func parameterValuesThatAreNotFiniteNumbersStayText(text: String) throws {
        // As Doubles they were stored as NaN or infinity, which JSON cannot encode.
        let modelfile = try Modelfile(parsing: "FROM smollm2\nPARAMETER temperature \(text)")
        #expect(modelfile.parameters["temperature"] == .string(text))
        #expect(throws: Never.self) { try JSONEncoder().encode(JSONValue.object(modelfile.parameters)) }
    }

    @Test(.timeLimit(.minutes(1)))
    func manyStopLinesAreReadInLinearTime() throws {
        // 200,000 stop lines: the array was copied once per line before, about 2·10^10 element copies.
        let text = "FROM smollm2\n" + String(repeating: "PARAMETER stop x\n", count: 200_000) + "PARAMETER temperature 0.5"
        let modelfile = try Modelfile(parsing: text)
        #expect(modelfile.parameters["stop"]?.arrayValue?.count == 200_000)
        #expect(modelfile.parameters.keys == ["stop", "temperature"])
    }
}
