// Apache Lucene as a judge of our Lucene query strings: the classic QueryParser parses each query,
// and MemoryIndex runs it on each synthetic event, indexed the way Elasticsearch indexes keyword,
// numeric, boolean and ip fields.
//
// Input on stdin, one record per line, fields separated by TAB, every field percent-encoded
// (%, TAB, newline and CR as %XX) so any value survives:
//   T <field> <keyword|long|double|boolean|ip>     declares a field's type (before queries)
//   Q <id> <query>                                 a query to parse
//   E <id> <field> <value> [<field> <value>...]    an event for the last query, field values flat
// Output, one line per record: "PARSED <id>" or "ERROR <id> <message>", and "MATCH <id> true|false".
//
// What mirrors Elasticsearch's query_string rather than plain Lucene: `field:>N`, `>=`, `<`,
// `<=` and `[a TO b]` on numeric and ip fields become point range queries; a CIDR term on an ip
// field is a prefix range; `field:*` and `_exists_:field` ask whether the event has the field;
// leading wildcards and regexes are allowed; keyword fields are not analysed (case-sensitive, as
// in Elasticsearch).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.InetAddressPoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.index.memory.MemoryIndex;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.index.Term;

public class LuceneCheck {
  static final Map<String, String> TYPES = new HashMap<>();
  /** Holds the names of an event's fields, as Elasticsearch's `_exists_` queries see them. */
  static final String EXISTS = "_exists_";

  static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The parser with Elasticsearch's typed ranges; fields default to keyword. */
  static class TypedParser extends QueryParser {
    TypedParser() {
      super("_none", new KeywordAnalyzer());
      setAllowLeadingWildcard(true);
      setDefaultOperator(QueryParser.Operator.OR);
    }

    String type(String field) {
      return TYPES.getOrDefault(field, "keyword");
    }

    @Override
    protected Query getRangeQuery(String field, String lo, String hi, boolean incLo, boolean incHi)
        throws ParseException {
      String l = "*".equals(lo) ? null : lo, h = "*".equals(hi) ? null : hi;
      try {
        switch (type(field)) {
          case "long": {
            // As Elasticsearch's long fields: an exclusive bound at the end of the range
            // matches nothing (instead of overflowing).
            if ((l != null && !incLo && Long.parseLong(l) == Long.MAX_VALUE)
                || (h != null && !incHi && Long.parseLong(h) == Long.MIN_VALUE)) {
              return new org.apache.lucene.search.MatchNoDocsQuery();
            }
            long a = l == null ? Long.MIN_VALUE : Long.parseLong(l) + (incLo ? 0 : 1);
            long b = h == null ? Long.MAX_VALUE : Long.parseLong(h) - (incHi ? 0 : 1);
            return LongPoint.newRangeQuery(field, a, b);
          }
          case "double": {
            double a = l == null ? Double.NEGATIVE_INFINITY : Double.parseDouble(l);
            double b = h == null ? Double.POSITIVE_INFINITY : Double.parseDouble(h);
            return DoublePoint.newRangeQuery(field, incLo ? a : Math.nextUp(a), incHi ? b : Math.nextDown(b));
          }
          case "ip": {
            InetAddress a = InetAddress.getByName(l == null ? "::" : l);
            InetAddress b = InetAddress.getByName(h == null ? "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" : h);
            return InetAddressPoint.newRangeQuery(field, incLo ? a : InetAddressPoint.nextUp(a),
                incHi ? b : InetAddressPoint.nextDown(b));
          }
          default:
            return super.getRangeQuery(field, lo, hi, incLo, incHi);
        }
      } catch (Exception e) {
        throw new ParseException("range on " + type(field) + " field " + field + ": " + e.getMessage());
      }
    }

    @Override
    protected Query getWildcardQuery(String field, String text) throws ParseException {
      if ("*".equals(text) && !"*".equals(field)) return new TermQuery(new Term(EXISTS, field));
      return super.getWildcardQuery(field, text);
    }

    @Override
    protected Query getFieldQuery(String field, String text, boolean quoted) throws ParseException {
      if (EXISTS.equals(field)) return new TermQuery(new Term(EXISTS, text));
      String t = type(field);
      if (!quoted && !t.equals("keyword") && !t.equals("boolean") && text.length() > 1
          && (text.startsWith(">") || text.startsWith("<"))) {
        boolean eq = text.charAt(1) == '=';
        String bound = text.substring(eq ? 2 : 1);
        return text.startsWith(">") ? getRangeQuery(field, bound, null, eq, true)
            : getRangeQuery(field, null, bound, true, eq);
      }
      try {
        switch (t) {
          case "long": return LongPoint.newExactQuery(field, Long.parseLong(text));
          case "double": return DoublePoint.newExactQuery(field, Double.parseDouble(text));
          case "ip": {
            int slash = text.indexOf('/');
            if (slash < 0) return InetAddressPoint.newExactQuery(field, InetAddress.getByName(text));
            return InetAddressPoint.newPrefixQuery(field, InetAddress.getByName(text.substring(0, slash)),
                Integer.parseInt(text.substring(slash + 1)));
          }
          default: return new TermQuery(new Term(field, text));
        }
      } catch (Exception e) {
        throw new ParseException("value " + text + " on " + t + " field " + field + ": " + e.getMessage());
      }
    }
  }

  static void add(MemoryIndex index, String field, String value) throws Exception {
    switch (TYPES.getOrDefault(field, "keyword")) {
      case "long": index.addField(new LongPoint(field, Long.parseLong(value)), null); break;
      case "double": index.addField(new DoublePoint(field, Double.parseDouble(value)), null); break;
      case "ip": index.addField(new InetAddressPoint(field, InetAddress.getByName(value)), null); break;
      default: index.addField(field, value, new KeywordAnalyzer());
    }
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Query query = null;
    String line;
    while ((line = in.readLine()) != null) {
      String[] f = line.split("\t", -1);
      for (int i = 0; i < f.length; i++) f[i] = decode(f[i]);
      switch (f[0]) {
        case "T": TYPES.put(f[1], f[2]); break;
        case "Q":
          try {
            query = new TypedParser().parse(f[2]);
            System.out.println("PARSED " + f[1]);
          } catch (ParseException | RuntimeException e) {
            query = null;
            System.out.println("ERROR " + f[1] + " " + e.getMessage().replace('\n', ' '));
          }
          break;
        case "E": {
          if (query == null) break;
          MemoryIndex index = new MemoryIndex();
          List<String> names = new ArrayList<>();
          for (int i = 2; i + 1 < f.length; i += 2) {
            add(index, f[i], f[i + 1]);
            names.add(f[i]);
          }
          index.addField(EXISTS, String.join(" ", names), new WhitespaceAnalyzer());
          System.out.println("MATCH " + f[1] + " " + (index.search(query) > 0.0f));
          break;
        }
        default: throw new IllegalArgumentException("unknown record " + f[0]);
      }
    }
  }
}
