/// Chat templates for GGUF files that carry none (base models, some conversions).
///
/// llama.cpp falls back to ChatML for such files, which is right for the families trained on it but
/// garbage for the others: Gemma's vocabulary has no `<|im_start|>`, so the model sees the markers
/// as plain text and echoes them. Families with their own turn markers get their format here.
public enum FallbackChatTemplate {
    /// The template to use for a model with `architecture` whose file has no template of its own,
    /// or nil to keep llama.cpp's default.
    public static func template(architecture: String, hasChatTemplate: Bool) -> String? {
        guard !hasChatTemplate else { return nil }
        if architecture.hasPrefix("gemma") { return gemma }
        return nil
    }

    /// Gemma's turns: `user` and `model`, with system text leading the first user turn (Gemma has
    /// no system role); tool results are shown to the model as user turns.
    public static let gemma = """
        {{ bos_token }}{% set ns = namespace(system='') %}{% for message in messages %}\
        {% if message['role'] == 'system' %}{% set ns.system = ns.system + message['content'] + '\\n\\n' %}\
        {% else %}<start_of_turn>{{ 'model' if message['role'] == 'assistant' else 'user' }}
        {% if message['role'] != 'assistant' %}{{ ns.system }}{% set ns.system = '' %}{% endif %}\
        {{ message['content'] }}<end_of_turn>
        {% endif %}{% endfor %}{% if add_generation_prompt %}<start_of_turn>model
        {% endif %}
        """
}
