package io.distillwatch.flink.types;

import io.distillwatch.core.alert.Alert;
import io.distillwatch.core.detect.AccountProfile;
import io.distillwatch.core.io.Exchange;
import io.distillwatch.core.io.ParseResult;
import io.distillwatch.core.link.LinkKeyState;
import io.distillwatch.core.link.StageMessage;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** Type information of the job's own types; each one has a serializer of ours. */
public final class JobTypes {
  private JobTypes() {}

  public static final TypeInformation<Exchange> EXCHANGE =
      new FormTypeInfo<>(Exchange.class, new ExchangeSerializer());

  /** What the job's sources emit: each record parsed, once, in the source. */
  public static final TypeInformation<ParseResult> PARSE_RESULT =
      new FormTypeInfo<>(ParseResult.class, new ParseResultSerializer());

  /** An exchange on its way to the prompt stage, encoded once. */
  public static final TypeInformation<EncodedExchange> ENCODED_EXCHANGE =
      new FormTypeInfo<>(EncodedExchange.class, new EncodedExchangeSerializer());

  public static final TypeInformation<MarkedExchange> MARKED_EXCHANGE =
      new FormTypeInfo<>(MarkedExchange.class, new MarkedExchangeSerializer());

  /** An exchange on its way from the source to the account stage, encoded once. */
  public static final TypeInformation<SequencedExchange> SEQUENCED_EXCHANGE =
      new FormTypeInfo<>(SequencedExchange.class, new SequencedExchangeSerializer());

  /** What the prompt stage reads of an exchange. */
  public static final TypeInformation<PromptProbe> PROMPT_PROBE =
      new FormTypeInfo<>(PromptProbe.class, new PromptProbeSerializer());

  /** The prompt stage's verdict on an exchange, for its account. */
  public static final TypeInformation<NoveltyMark> NOVELTY_MARK =
      new FormTypeInfo<>(NoveltyMark.class, new NoveltyMarkSerializer());

  public static final TypeInformation<Alert> ALERT =
      new FormTypeInfo<>(Alert.class, new AlertSerializer());

  public static final TypeInformation<AccountProfile> ACCOUNT_PROFILE =
      new FormTypeInfo<>(AccountProfile.class, new AccountProfileSerializer());

  public static final TypeInformation<StageMessage> STAGE_MESSAGE =
      new FormTypeInfo<>(StageMessage.class, new StageMessageSerializer());

  public static final TypeInformation<LinkKeyState> LINK_KEY_STATE =
      new FormTypeInfo<>(LinkKeyState.class, new LinkKeyStateSerializer());
}
